//! One A4 page of a form: the page geometry, the few drawing primitives a
//! form needs (text in the CJK font, cells, rows, boxes) and the one-page
//! PDF around it. Shared by the application form and the authorization
//! letter.

use pdf_writer::types::TextRenderingMode;
use pdf_writer::{Content, Pdf, Rect, Ref, Str, TextStr};

use crate::cjk_font;

pub(crate) const PAGE: (f32, f32) = (595.28, 841.89);
pub(crate) const LEFT: f32 = 56.0;
pub(crate) const RIGHT: f32 = PAGE.0 - 56.0;
pub(crate) const WIDTH: f32 = RIGHT - LEFT;
/// Nothing but the footer may go below this line.
pub(crate) const BOTTOM: f32 = 56.0;
pub(crate) const FOOTER: f32 = BOTTOM - 20.0;
pub(crate) const DATE_BLANKS: &str = "日期：        年      月      日";

pub(crate) const ROW: f32 = 24.0;
pub(crate) const LABEL: f32 = 84.0;
/// Value column of a four-column row (label, value, label, value).
pub(crate) const HALF_VALUE: f32 = WIDTH / 2.0 - LABEL;

/// The page content being drawn, with the few primitives a form needs.
pub(crate) struct Sheet {
    content: Content,
}

impl Sheet {
    pub(crate) fn new() -> Self {
        Sheet {
            content: Content::new(),
        }
    }

    /// `text` with its baseline starting at (x, y).
    pub(crate) fn text(&mut self, x: f32, y: f32, size: f32, text: &str) {
        self.content
            .begin_text()
            .set_font(cjk_font::RESOURCE, size)
            .next_line(x, y)
            .show(Str(&cjk_font::encode(text)))
            .end_text();
    }

    pub(crate) fn text_right(&mut self, right: f32, y: f32, size: f32, text: &str) {
        self.text(right - cjk_font::width(text, size), y, size, text);
    }

    pub(crate) fn text_centered(&mut self, center: f32, y: f32, size: f32, text: &str) {
        self.text(center - cjk_font::width(text, size) / 2.0, y, size, text);
    }

    /// Bold-looking text: the Song font has no bold face, so the glyphs
    /// are filled and stroked.
    pub(crate) fn heading(&mut self, x: f32, y: f32, size: f32, text: &str) {
        self.content
            .save_state()
            .set_line_width(size / 40.0)
            .set_text_rendering_mode(TextRenderingMode::FillStroke);
        self.text(x, y, size, text);
        self.content.restore_state();
    }

    /// `text` vertically centred in a cell, shrunk if it would not fit.
    pub(crate) fn cell(&mut self, x: f32, top: f32, width: f32, text: &str) {
        let room = width - 12.0;
        let size = (room / cjk_font::width(text, 1.0)).min(11.0);
        self.text(x + 6.0, top - ROW / 2.0 - size * 0.35, size, text);
    }

    /// A row of label, value, label, value; returns its bottom.
    pub(crate) fn row4(&mut self, top: f32, [l1, v1, l2, v2]: [&str; 4]) -> f32 {
        let mut x = LEFT;
        for (text, width) in [(l1, LABEL), (v1, HALF_VALUE), (l2, LABEL), (v2, HALF_VALUE)] {
            self.cell(x, top, width, text);
            self.line(x, top, x, top - ROW);
            x += width;
        }
        self.row_frame(top)
    }

    /// A row of one label and a value spanning the rest; returns its bottom.
    pub(crate) fn row2(&mut self, top: f32, label: &str, value: &str) -> f32 {
        self.cell(LEFT, top, LABEL, label);
        self.cell(LEFT + LABEL, top, WIDTH - LABEL, value);
        self.line(LEFT + LABEL, top, LEFT + LABEL, top - ROW);
        self.row_frame(top)
    }

    pub(crate) fn row_frame(&mut self, top: f32) -> f32 {
        self.rect(LEFT, top - ROW, WIDTH, ROW);
        top - ROW
    }

    pub(crate) fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32) {
        self.content
            .set_line_width(0.8)
            .move_to(x1, y1)
            .line_to(x2, y2)
            .stroke();
    }

    pub(crate) fn rect(&mut self, x: f32, y: f32, w: f32, h: f32) {
        self.content.set_line_width(0.8).rect(x, y, w, h).stroke();
    }

    /// An empty tick box, `size` wide, sitting on baseline `y`.
    pub(crate) fn checkbox(&mut self, x: f32, y: f32, size: f32) {
        self.rect(x, y, size, size);
    }

    pub(crate) fn dashed_rect(&mut self, x: f32, y: f32, w: f32, h: f32) {
        self.content
            .save_state()
            .set_dash_pattern([3.0, 2.0], 0.0)
            .set_stroke_gray(0.45);
        self.rect(x, y, w, h);
        self.content.restore_state();
    }
}

/// Wraps the page content in a one-page A4 PDF with the CJK font and
/// document information.
pub(crate) fn document(sheet: Sheet, title: &str) -> Vec<u8> {
    let content = sheet.content.finish();
    let catalog = Ref::new(1);
    let pages = Ref::new(2);
    let page = Ref::new(3);
    let content_id = Ref::new(4);
    let info = Ref::new(5);
    let font = Ref::new(6); // and 7, 8: see cjk_font::write

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(pages).lang(TextStr("zh-CN"));
    pdf.pages(pages).kids([page]).count(1);
    let mut p = pdf.page(page);
    p.parent(pages)
        .media_box(Rect::new(0.0, 0.0, PAGE.0, PAGE.1))
        .contents(content_id);
    p.resources().fonts().pair(cjk_font::RESOURCE, font);
    drop(p);
    pdf.stream(content_id, &content);
    cjk_font::write(&mut pdf, font);
    pdf.document_info(info)
        .title(TextStr(title))
        .producer(TextStr("Mobile CA"));
    pdf.finish()
}
