//! The limits within which `kehu import` reads a file, as flags. The
//! defaults (kehu_io::Limits) pass every real customer file; raising them
//! is for the rare legitimate giant, lowering them for a cautious admin.

use clap::Args;
use kehu_io::Limits;

#[derive(Args, Debug, Clone, Default)]
pub struct FileLimits {
    /// Most rows of data a file may hold [default: 1048576].
    #[arg(long, env = "KEHU_MAX_ROWS", value_name = "N")]
    pub max_rows: Option<u64>,
    /// Most columns a row may fill [default: 1024].
    #[arg(long, env = "KEHU_MAX_COLUMNS", value_name = "N")]
    pub max_columns: Option<usize>,
    /// Most KiB of text in one cell [default: 128, Excel's 32,767 characters].
    #[arg(long, env = "KEHU_MAX_CELL_KIB", value_name = "KIB")]
    pub max_cell_kib: Option<usize>,
    /// Most cells of an ODS or XLS sheet, which are read whole [default: 10000000].
    #[arg(long, env = "KEHU_MAX_SHEET_CELLS", value_name = "N")]
    pub max_sheet_cells: Option<u64>,
    /// Most MiB an XLSX or ODS file may unpack to [default: 2048].
    #[arg(long, env = "KEHU_MAX_UNPACKED_MIB", value_name = "MIB")]
    pub max_unpacked_mib: Option<u64>,
    /// Most times larger than packed a part of an XLSX or ODS may unpack to [default: 100].
    #[arg(long, env = "KEHU_MAX_COMPRESSION_RATIO", value_name = "N")]
    pub max_compression_ratio: Option<u64>,
}

impl FileLimits {
    pub fn limits(&self) -> Limits {
        let d = Limits::default();
        Limits {
            max_rows: self.max_rows.unwrap_or(d.max_rows),
            max_columns: self.max_columns.unwrap_or(d.max_columns),
            max_cell_bytes: self
                .max_cell_kib
                .map_or(d.max_cell_bytes, |k| k.saturating_mul(1024)),
            max_cells: self.max_sheet_cells.unwrap_or(d.max_cells),
            max_unpacked_bytes: self
                .max_unpacked_mib
                .map_or(d.max_unpacked_bytes, |m| m.saturating_mul(1024 * 1024)),
            max_compression_ratio: self
                .max_compression_ratio
                .unwrap_or(d.max_compression_ratio),
            ..d
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_flag_means_the_defaults_and_a_flag_changes_only_its_limit() {
        assert_eq!(FileLimits::default().limits(), Limits::default());
        let wider = FileLimits {
            max_columns: Some(4096),
            max_cell_kib: Some(256),
            ..FileLimits::default()
        }
        .limits();
        assert_eq!(wider.max_columns, 4096);
        assert_eq!(wider.max_cell_bytes, 256 * 1024);
        assert_eq!(wider.max_rows, Limits::default().max_rows);
    }
}
