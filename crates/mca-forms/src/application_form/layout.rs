//! Drawing the form on one A4 page, top to bottom with a running `y`
//! (PDF points, origin bottom left). Every field's text is fitted into its
//! cell, so validated input can never run off the page.

use super::ApplicationForm;
use crate::sheet::{DATE_BLANKS, FOOTER, LEFT, PAGE, RIGHT, Sheet, WIDTH};
use crate::{amount, cjk_font, sheet};

const TITLE: &str = "数字证书申请表（个人）";
const ENTERPRISE_TITLE: &str = "数字证书申请表（企业）";

fn title(form: &ApplicationForm) -> &'static str {
    if form.enterprise.is_some() {
        ENTERPRISE_TITLE
    } else {
        TITLE
    }
}

pub(super) fn render(form: &ApplicationForm) -> Vec<u8> {
    let mut sheet = Sheet::new();
    draw(&mut sheet, form);
    let title = format!("{} {}", title(form), form.application_number);
    sheet::document(sheet, &title)
}

/// Lays out the form and returns where the lowest box ended.
pub(super) fn draw(sheet: &mut Sheet, form: &ApplicationForm) -> f32 {
    let mut y = PAGE.1 - 40.0;
    let number = format!("申请编号：{}", form.application_number);
    sheet.text_right(RIGHT, y, 9.0, &number);
    y -= 30.0;
    let title = title(form);
    sheet.heading(
        PAGE.0 / 2.0 - cjk_font::width(title, 20.0) / 2.0,
        y,
        20.0,
        title,
    );
    y -= 20.0;
    let hint = if form.enterprise.is_some() {
        "（经办人签字并加盖企业公章后拍照上传；请勿涂改）"
    } else {
        "（请用黑色签字笔签字，签字后拍照上传；请勿涂改）"
    };
    sheet.text_centered(PAGE.0 / 2.0, y, 9.0, hint);
    // The enterprise form has one more section; the smaller gaps keep the
    // longest valid input on the page.
    let gap = if form.enterprise.is_some() {
        10.0
    } else {
        18.0
    };

    let mut number = SectionNumbers::default();
    let mut space = if form.enterprise.is_some() {
        22.0
    } else {
        26.0
    };
    if let Some(e) = &form.enterprise {
        y = section(sheet, y - space, &number.next("企业信息"));
        y = sheet.row2(y, "企业名称", &e.name);
        y = sheet.row2(y, "统一社会信用代码", &e.credit_code);
        let (rep, rep_id) = (&e.legal_representative, &e.legal_representative_id);
        y = sheet.row4(y, ["法定代表人", rep, "身份证号码", rep_id]);
        space = gap;
    }
    let applicant = if form.enterprise.is_some() {
        "经办人信息"
    } else {
        "申请人信息"
    };
    y = section(sheet, y - space, &number.next(applicant));
    let date = form.application_date.chinese();
    y = sheet.row4(y, ["姓名", &form.name, "证件类型", "居民身份证"]);
    y = sheet.row2(y, "公民身份号码", &form.id_number);
    y = sheet.row4(y, ["手机号码", &form.phone, "申请日期", &date]);

    y = section(sheet, y - gap, &number.next("证书信息"));
    let years = format!("{}年", form.validity_years);
    let fee = format!(
        "￥{}元（大写：人民币{}）",
        amount::yuan(form.fee()),
        amount::capital(form.fee())
    );
    let kind = if form.enterprise.is_some() {
        "企业数字证书（SM2签名证书及加密证书）"
    } else {
        "个人数字证书（SM2签名证书及加密证书）"
    };
    y = sheet.row2(y, "证书类型", kind);
    y = sheet.row4(y, ["所在省份", &form.province, "有效期", &years]);
    y = sheet.row2(y, "交易平台", &form.trading_platform);
    y = sheet.row2(y, "发证机构", &form.ca_organization);
    y = sheet.row2(y, "证书费用", &fee);

    y = section(sheet, y - gap, &number.next("申请人声明"));
    y = declaration(sheet, y, form);

    let review_title = number.next("发证机构审核（以下由发证机构填写）");
    y = section(sheet, y - gap, &review_title);
    review(sheet, y)
}

/// 一、二、… in the order sections are drawn.
#[derive(Default)]
struct SectionNumbers(usize);

impl SectionNumbers {
    fn next(&mut self, title: &str) -> String {
        const NUMERALS: [&str; 5] = ["一", "二", "三", "四", "五"];
        self.0 += 1;
        format!("{}、{title}", NUMERALS[self.0 - 1])
    }
}

/// A section heading; returns the top of the box below it.
fn section(sheet: &mut Sheet, y: f32, title: &str) -> f32 {
    sheet.heading(LEFT, y, 11.0, title);
    y - 8.0
}

/// The declaration a CA's form carries, then the applicant's signature and
/// date boxes (and the enterprise's seal box), in one frame.
fn declaration(sheet: &mut Sheet, top: f32, form: &ApplicationForm) -> f32 {
    const SIZE: f32 = 10.0;
    const LEADING: f32 = 15.0;
    const PAD: f32 = 10.0;
    let ca = &form.ca_organization;
    let mut y = top - PAD - SIZE;
    let (intro, items): (String, &[&str]) = match &form.enterprise {
        // The enterprise's name is printed in section one (the longest
        // would wrap the intro over three lines).
        Some(_) => (
            format!("本单位自愿向{ca}（以下简称“发证机构”）申请企业数字证书，并郑重声明："),
            &ENTERPRISE_DECLARATION,
        ),
        None => (
            format!("本人自愿向{ca}（以下简称“发证机构”）申请个人数字证书，并郑重声明："),
            &DECLARATION,
        ),
    };
    for line in cjk_font::wrap(&intro, SIZE, WIDTH - 2.0 * PAD) {
        sheet.text(LEFT + PAD, y, SIZE, &line);
        y -= LEADING;
    }
    for (i, item) in items.iter().enumerate() {
        let indent = 2.0 * SIZE;
        sheet.text(LEFT + PAD, y, SIZE, &format!("{}.", i + 1));
        for line in cjk_font::wrap(item, SIZE, WIDTH - 2.0 * PAD - indent) {
            sheet.text(LEFT + PAD + indent, y, SIZE, &line);
            y -= LEADING;
        }
    }

    // The signature line: a box to sign in, and the date to write by hand.
    let sign_top = y - 4.0;
    let (box_w, box_h) = (160.0, 56.0);
    let base = sign_top - box_h / 2.0 - 4.0;
    let signer = if form.enterprise.is_some() {
        "经办人签字："
    } else {
        "申请人签字："
    };
    sheet.text(LEFT + PAD, base, 11.0, signer);
    let box_x = LEFT + PAD + cjk_font::width(signer, 11.0) + 4.0;
    sheet.dashed_rect(box_x, sign_top - box_h, box_w, box_h);
    if form.enterprise.is_some() {
        // The seal box: where the enterprise stamps the form (B3).
        let label_x = box_x + box_w + 12.0;
        sheet.text(label_x, base, 11.0, "企业盖章：");
        let seal_x = label_x + cjk_font::width("企业盖章：", 11.0) + 4.0;
        sheet.dashed_rect(seal_x, sign_top - box_h, RIGHT - PAD - seal_x, box_h);
        sheet.text_right(RIGHT - PAD - 4.0, sign_top - box_h + 6.0, 9.0, DATE_BLANKS);
    } else {
        sheet.text_right(RIGHT - PAD, base, 11.0, DATE_BLANKS);
    }
    let bottom = sign_top - box_h - PAD;
    sheet.rect(LEFT, bottom, WIDTH, top - bottom);
    bottom
}

/// What the applicant declares (the CA is named once, in the intro).
const DECLARATION: [&str; 5] = [
    "本人已仔细阅读并同意遵守发证机构发布的《电子认证业务规则》（CPS）、证书策略及数字证书使用协议，了解数字证书的用途、使用范围以及双方的权利和义务。",
    "本人在本申请表中填写的信息以及提交的身份证明材料真实、准确、完整；如有虚假，本人承担由此产生的一切法律责任。",
    "本人的证书私钥由本人手机与移动CA服务器分别保管、共同使用（密钥拆分），本人将妥善保管手机和证书PIN码，不转借他人使用；手机丢失或PIN码泄露时，本人将及时申请证书挂失或注销。",
    "本人知悉：可靠的电子签名与手写签名或者盖章具有同等的法律效力（《中华人民共和国电子签名法》第十四条），本人对使用本证书所作的电子签名负责。",
    "本人同意发证机构为核验身份、签发和管理数字证书收集、保存和使用本人在本表中填写的个人信息。",
];

/// What the enterprise declares through its 经办人.
const ENTERPRISE_DECLARATION: [&str; 4] = [
    "本单位已仔细阅读并同意遵守发证机构发布的《电子认证业务规则》（CPS）、证书策略及数字证书使用协议。",
    "本单位在本申请表中填写的信息以及提交的营业执照等证明材料真实、准确、完整；如有虚假，本单位承担由此产生的一切法律责任。",
    "证书私钥由经办人手机与移动CA服务器分别保管、共同使用（密钥拆分）；经办人为本单位证书管理员，本单位对证书所作的电子签名和签章负责。",
    "本单位同意发证机构为核验身份、签发和管理数字证书收集、保存和使用本表中填写的信息。",
];

/// The CA reviewer's box: decision and reviewer on the left, room for the
/// CA's seal and the date on the right.
fn review(sheet: &mut Sheet, top: f32) -> f32 {
    const PAD: f32 = 10.0;
    const SIZE: f32 = 11.0;
    let mut y = top - PAD - SIZE;
    let x = LEFT + PAD;
    sheet.text(x, y, SIZE, "审核意见：");
    let mut option_x = x + cjk_font::width("审核意见：", SIZE) + 6.0;
    for option in ["同意签发", "不同意"] {
        sheet.checkbox(option_x, y - 1.0, SIZE - 2.0);
        sheet.text(option_x + SIZE + 2.0, y, SIZE, option);
        option_x += SIZE + 2.0 + cjk_font::width(option, SIZE) + 16.0;
    }
    let seal_x = LEFT + WIDTH * 0.58;
    for label in ["原因：", "审核人："] {
        y -= 32.0;
        sheet.text(x, y, SIZE, label);
        let start = x + cjk_font::width(label, SIZE) + 2.0;
        sheet.line(start, y - 3.0, seal_x - 16.0, y - 3.0);
    }
    // The seal goes above the date, as on paper.
    sheet.line(seal_x, top, seal_x, y - 16.0);
    sheet.text(seal_x + PAD, top - PAD - SIZE, SIZE, "发证机构（盖章）");
    sheet.text_right(RIGHT - PAD, y, SIZE, DATE_BLANKS);
    let bottom = y - 16.0;
    sheet.rect(LEFT, bottom, WIDTH, top - bottom);
    let note = "本表由移动CA根据申请人提交的信息生成，签字后拍照上传；原件请妥善保存备查。";
    sheet.text_centered(PAGE.0 / 2.0, FOOTER, 8.0, note);
    bottom
}
