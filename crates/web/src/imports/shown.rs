//! What of a file's rows is sent back to a browser or an API client. A
//! row may legally hold 1,024 cells of 128 KiB each; echoed whole in a
//! sample, a preview or a page of rejected rows, a hostile file turns one
//! request into hundreds of megabytes of JSON. Screens show the first
//! columns and the start of each cell, and say when they cut; the rejected
//! rows download keeps every cell.

/// Columns of a rejected or skipped row shown.
pub const SHOWN_COLUMNS: usize = 100;
/// Characters of a cell (or a header) shown.
pub const SHOWN_CHARS: usize = 200;

/// Cuts `text` to [`SHOWN_CHARS`] characters and an ellipsis; true if cut.
pub fn clip_text(text: &mut String) -> bool {
    match text.char_indices().nth(SHOWN_CHARS) {
        None => false,
        Some((at, _)) => {
            text.truncate(at);
            text.push('…');
            true
        }
    }
}

/// Cuts a row to `columns` cells, each clipped; true if anything was cut.
pub fn clip_row(cells: &mut Vec<String>, columns: usize) -> bool {
    let mut cut = cells.len() > columns;
    cells.truncate(columns);
    for cell in cells.iter_mut() {
        cut |= clip_text(cell);
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_cells_and_wide_rows_are_cut_and_say_so() {
        let mut short = vec!["张三".to_owned(), "13812345678".to_owned()];
        assert!(!clip_row(&mut short, 2));
        assert_eq!(short, ["张三", "13812345678"]);

        let mut wide = vec!["备".repeat(SHOWN_CHARS + 1); 3];
        assert!(clip_row(&mut wide, 2));
        assert_eq!(wide.len(), 2);
        assert_eq!(wide[0].chars().count(), SHOWN_CHARS + 1);
        assert!(wide[0].ends_with('…'));
    }
}
