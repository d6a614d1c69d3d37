-- SMS send quotas per key ("phone:…", "ip:…"), taken by one conditional
-- UPDATE so rate limits hold across server instances. Replaces counting
-- sms_codes rows, which two instances could both pass at once.
CREATE TABLE send_quotas (
    key TEXT PRIMARY KEY,
    last_at BIGINT NOT NULL,
    hour_start BIGINT NOT NULL,
    hour_count BIGINT NOT NULL,
    day_start BIGINT NOT NULL,
    day_count BIGINT NOT NULL
);
