//! The hostfile of a timely cluster: one `host:port` a line, process 0 first; blank lines and
//! lines starting with `#` are skipped.

use anyhow::{bail, ensure, Result};

/// The addresses of the first `processes` processes listed in `text`. Every listed line must
/// be an address (`host:port`, a port from 1 to 65535, `[v6]:port` for IPv6) and the processes'
/// addresses distinct; an error names the line.
pub fn parse(text: &str, processes: usize) -> Result<Vec<String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut addresses: Vec<(usize, String)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        address(line).map_err(|e| anyhow::anyhow!("line {}: {e}", i + 1))?;
        if addresses.len() < processes {
            if let Some((first, _)) = addresses.iter().find(|(_, a)| a == line) {
                bail!("line {}: `{line}` is already line {first}'s address", i + 1);
            }
        }
        addresses.push((i + 1, line.to_string()));
    }
    ensure!(
        addresses.len() >= processes,
        "it lists {} address(es) for {processes} processes",
        addresses.len()
    );
    Ok(addresses
        .into_iter()
        .take(processes)
        .map(|(_, a)| a)
        .collect())
}

/// Whether `line` is one `host:port` address.
fn address(line: &str) -> Result<()> {
    let Some((host, port)) = line.rsplit_once(':') else {
        bail!("`{line}` is not host:port");
    };
    ensure!(!host.is_empty(), "`{line}` has no host before the port");
    ensure!(
        !host.contains(char::is_whitespace),
        "`{line}` is not one host:port (a space in the host)"
    );
    let v6 = host.starts_with('[') && host.ends_with(']') && host.len() > 2;
    ensure!(
        v6 || !host.contains([':', '[', ']']),
        "`{line}`: an IPv6 host is written in brackets, `[::1]:2101`"
    );
    match port.parse::<u16>() {
        Ok(p) if p > 0 => Ok(()),
        _ => bail!("`{line}`: the port `{port}` is not a number from 1 to 65535"),
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn addresses_are_read_in_order_skipping_comments_and_blank_lines() {
        let text = "\u{feff}# hosts\n\nnode0:2101\n  node1:2102  \n[::1]:2103\nspare:1\n";
        let got = parse(text, 3).expect("a valid hostfile");
        assert_eq!(got, ["node0:2101", "node1:2102", "[::1]:2103"]);
    }

    #[test]
    fn a_malformed_line_is_refused_with_its_number() {
        for (text, line) in [
            ("a:1\nnode0\n", 2),
            ("a:1\n\nnode0:\n", 3),
            ("node0:http\n", 1),
            ("node0:0\n", 1),
            ("node0:65536\n", 1),
            (":2101\n", 1),
            ("a b:2101\n", 1),
            ("::1:2101\n", 1),
            ("a:1\n# x\nb:2\nb:2\n", 4),
        ] {
            let e = parse(text, 3).expect_err(text).to_string();
            assert!(e.starts_with(&format!("line {line}:")), "{text:?}: {e}");
        }
    }

    #[test]
    fn too_few_addresses_are_refused() {
        let e = parse("a:1\n", 2).expect_err("one line for two processes");
        assert!(
            e.to_string().contains("1 address(es) for 2 processes"),
            "{e}"
        );
    }
}
