//! Distinguished names: one attribute per RDN, UTF8String for names
//! (Chinese text), PrintableString for the country and identity numbers.

use const_oid::ObjectIdentifier as Oid;
use der::asn1::{PrintableStringRef, Utf8StringRef};
use der::{Any, Decode, Encode, Tag};
use x509_cert::name::Name;

use crate::algorithm::wrap;
use crate::error::malformed;
use crate::{Result, oids};

/// How an attribute value is encoded.
#[derive(Clone, Copy, Debug)]
pub enum Text<'a> {
    /// UTF8String (names).
    Utf8(&'a str),
    /// PrintableString (country, identity numbers).
    Printable(&'a str),
}

/// Builds a Name from `(type, value)` pairs, in order, one per RDN.
pub fn build(attrs: &[(Oid, Text<'_>)]) -> Result<Name> {
    let mut rdns = Vec::new();
    for (oid, text) in attrs {
        let value = match text {
            Text::Utf8(s) => Any::encode_from(&Utf8StringRef::new(s).map_err(malformed("name"))?),
            Text::Printable(s) => {
                Any::encode_from(&PrintableStringRef::new(s).map_err(malformed("name"))?)
            }
        }
        .map_err(malformed("name"))?;
        let mut atv = oid.to_der().map_err(malformed("name"))?;
        atv.extend(value.to_der().map_err(malformed("name"))?);
        let atv = wrap(Tag::Sequence, &atv)?;
        rdns.extend(wrap(Tag::Set, &atv)?);
    }
    Name::from_der(&wrap(Tag::Sequence, &rdns)?).map_err(malformed("name"))
}

/// `C=CN, O=…, CN=…` for a CA.
pub fn ca_name(organization: &str, common_name: &str) -> Result<Name> {
    build(&[
        (oids::AT_COUNTRY, Text::Printable("CN")),
        (oids::AT_ORGANIZATION, Text::Utf8(organization)),
        (oids::AT_COMMON_NAME, Text::Utf8(common_name)),
    ])
}

/// The first value of attribute `oid` in `name`, as text.
pub fn attribute(name: &Name, oid: Oid) -> Option<String> {
    name.iter().find(|atv| atv.oid == oid).and_then(|atv| {
        let v = &atv.value;
        match der::Tagged::tag(v) {
            Tag::Utf8String | Tag::PrintableString | Tag::Ia5String => {
                core::str::from_utf8(v.value()).ok().map(str::to_owned)
            }
            _ => None,
        }
    })
}
