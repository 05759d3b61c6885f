//! Files a person writes and hands to xtenant: the Power Platform
//! `usermapping.csv` and Exchange migration batch CSVs. They come from Excel,
//! Notepad and PowerShell, so encoding and delimiter mistakes are expected and
//! each gets a message with file, line, column and the fix.

/// Decodes text the way people's tools write it: UTF-8 with or without a BOM,
/// or UTF-16 (Excel's "Unicode Text", PowerShell 5's `Out-File`) with a BOM.
pub fn decode_text(bytes: &[u8]) -> Result<String, String> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return utf8(rest);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, u16::from_be_bytes);
    }
    // UTF-16 without a BOM: every other byte of ASCII text is NUL.
    if bytes.len() >= 4 && bytes[1] == 0 && bytes[3] == 0 && bytes[0] != 0 {
        return utf16(bytes, u16::from_le_bytes);
    }
    utf8(bytes)
}

fn utf8(bytes: &[u8]) -> Result<String, String> {
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        format!(
            "the file is not valid UTF-8 (first bad byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

fn utf16(bytes: &[u8], conv: fn([u8; 2]) -> u16) -> Result<String, String> {
    if bytes.len() % 2 != 0 {
        return Err("the file looks like UTF-16 but has an odd number of bytes".into());
    }
    let units: Vec<u16> = bytes.chunks_exact(2).map(|c| conv([c[0], c[1]])).collect();
    String::from_utf16(&units)
        .map_err(|_| "the file looks like UTF-16 but is not valid UTF-16".into())
}
