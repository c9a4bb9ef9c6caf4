//! The one writer of the API's spreadsheets (the evaluation round's and the group funds'
//! exports): CSV as UTF-8 with a byte-order mark so that Excel shows the Chinese, XLSX with
//! a bold header row. Every text cell goes through the formula neutralising of
//! [`edu_domain::text::spreadsheet_cell`]: what people typed never runs as a formula.

use actix_web::HttpResponse;
use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use edu_domain::Problem;

use crate::error::ApiError;

pub(crate) const XLSX_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// One cell: text (neutralised when written), or a number, which a CSV shows as `text` and
/// a workbook holds as the number.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Text(String),
    Number { value: f64, text: String },
}

impl Cell {
    pub(crate) fn text(s: impl Into<String>) -> Self {
        Self::Text(s.into())
    }

    pub(crate) fn number(value: f64, text: String) -> Self {
        Self::Number { value, text }
    }

    fn neutralised(&self) -> String {
        match self {
            Self::Text(t) | Self::Number { text: t, .. } => {
                edu_domain::text::spreadsheet_cell(t).into_owned()
            }
        }
    }
}

fn attachment(name: String) -> ContentDisposition {
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::Filename(name)],
    }
}

fn export_failed(what: &str, e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "export: {what}");
    Problem::internal().into()
}

/// The rows as a CSV download named `file_name`.
pub(crate) fn csv_response(
    file_name: String,
    header: &[String],
    rows: &[Vec<Cell>],
) -> Result<HttpResponse, ApiError> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(header)
            .map_err(|e| export_failed("csv", e))?;
        for row in rows {
            w.write_record(row.iter().map(Cell::neutralised))
                .map_err(|e| export_failed("csv", e))?;
        }
        w.flush().map_err(|e| export_failed("csv", e))?;
    }
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(attachment(file_name))
        .body(out))
}

/// The rows as one XLSX sheet named `sheet_name`, downloaded as `file_name`.
pub(crate) fn xlsx_response(
    file_name: String,
    sheet_name: &str,
    header: &[String],
    rows: &[Vec<Cell>],
) -> Result<HttpResponse, ApiError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let fail = |e: rust_xlsxwriter::XlsxError| export_failed("xlsx", e);
    sheet.set_name(sheet_name).map_err(fail)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (col, title) in header.iter().enumerate() {
        let col = u16::try_from(col).unwrap_or(u16::MAX);
        sheet
            .write_string_with_format(0, col, title, &bold)
            .map_err(fail)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
        for (col, cell) in row.iter().enumerate() {
            let col = u16::try_from(col).unwrap_or(u16::MAX);
            match cell {
                Cell::Number { value, .. } => sheet.write_number(r, col, *value).map_err(fail)?,
                Cell::Text(_) => sheet
                    .write_string(r, col, cell.neutralised())
                    .map_err(fail)?,
            };
        }
    }
    let bytes = book.save_to_buffer().map_err(fail)?;
    Ok(HttpResponse::Ok()
        .content_type(XLSX_TYPE)
        .insert_header(attachment(file_name))
        .body(bytes))
}
