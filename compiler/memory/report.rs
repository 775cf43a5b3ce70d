//! `mlspec memory`'s report of each server's account: a few aligned lines for people, or one
//! JSON object per server for machines.

use serde_json::{Value, json};

use super::{Assessment, Verdict};

pub const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// Bytes as GiB with one decimal (`15.0 GiB`), or MiB below one GiB, or KiB below one MiB.
pub fn size(bytes: f64) -> String {
    let b = bytes.abs();
    let sign = if bytes < 0.0 { "-" } else { "" };
    if b >= GIB {
        format!("{sign}{:.1} GiB", b / GIB)
    } else if b >= 1024.0 * 1024.0 {
        format!("{sign}{:.0} MiB", b / (1024.0 * 1024.0))
    } else {
        format!("{sign}{:.1} KiB", b / 1024.0)
    }
}

/// A whole number with thousands separators: `441,600`.
pub fn count(n: f64) -> String {
    let digits = format!("{:.0}", n.max(0.0).floor());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A parameter count as model cards write it: `8.03B`, `671B`, `494M`.
pub fn parameters(n: f64) -> String {
    let (v, unit) = if n >= 1e12 {
        (n / 1e12, "T")
    } else if n >= 1e9 {
        (n / 1e9, "B")
    } else {
        (n / 1e6, "M")
    };
    let text = if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    let text = text.trim_end_matches('0').trim_end_matches('.').to_string();
    format!("{text}{unit}")
}

/// Each server's account as text, one block per server.
pub fn text(file: &str, items: &[Assessment]) -> String {
    items
        .iter()
        .map(|a| block(file, a))
        .collect::<Vec<_>>()
        .join("\n")
}

fn block(file: &str, a: &Assessment) -> String {
    let acc = &a.account;
    let per = if a.devices > 1 {
        format!(" per {}", a.device_word)
    } else {
        String::new()
    };
    let device = match &a.mig {
        Some(p) => format!("{} MIG {p}", a.accelerator),
        None if a.device_word == "core" => format!("core of {}", a.accelerator),
        None => a.accelerator.clone(),
    };
    let mut rows: Vec<(&str, String)> = Vec::new();
    let repo = a
        .repository
        .as_ref()
        .map_or(String::new(), |r| format!(" ({r})"));
    let active = a
        .active_parameters
        .map_or(String::new(), |p| format!(", {} active", parameters(p)));
    let quant = a
        .quantization
        .as_ref()
        .map_or(String::new(), |q| format!(", {q} weights"));
    rows.push((
        "model",
        format!(
            "{}{repo}: {} parameters{active}, {}{quant}",
            a.model,
            parameters(a.parameters),
            a.dtype
        ),
    ));
    let split = match (a.tensor_parallel, a.pipeline_parallel) {
        (1, 1) => String::new(),
        (t, 1) => format!(", tensor parallel {t}"),
        (t, p) => format!(", tensor parallel {t} × pipeline {p}"),
    };
    rows.push((
        "devices",
        format!(
            "{} × {device}, {} each{split}",
            a.devices,
            size(a.device_bytes)
        ),
    ));
    rows.push((
        "runtime",
        format!(
            "{} takes {:.2} of each: {}",
            a.runtime,
            a.fraction,
            size(acc.budget)
        ),
    ));
    rows.push((
        "weights",
        format!(
            "{}{per} ({} in all)",
            size(acc.weights),
            size(acc.weights_total)
        ),
    ));
    let batch = match (a.batched_tokens, a.max_sequences) {
        (Some(t), Some(s)) if acc.activations > 0.0 => {
            format!(
                " + {} activations ({} batched tokens, {} sequences)",
                size(acc.activations),
                count(t as f64),
                count(s as f64)
            )
        }
        (Some(t), None) if acc.activations > 0.0 => {
            format!(
                " + {} activations ({} batched tokens)",
                size(acc.activations),
                count(t as f64)
            )
        }
        _ => String::new(),
    };
    rows.push(("overhead", format!("{}{batch}{per}", size(acc.overhead))));
    rows.push((
        "KV cache",
        format!(
            "{}{per}, {}, {} per token",
            size(acc.kv_cache.max(0.0)),
            a.kv_cache_dtype,
            size(acc.kv_per_token)
        ),
    ));
    rows.push(("tokens", count(acc.tokens)));
    rows.push((
        "sequences",
        format!(
            "{:.1} at the maximum context of {} tokens",
            acc.sequences,
            count(a.max_context as f64)
        ),
    ));
    if let Some(dl) = &a.download {
        let into = dl
            .volume
            .as_ref()
            .map_or("an existing claim".to_string(), |(s, _)| {
                format!("a {s} volume")
            });
        rows.push(("download", format!("{} into {into}", size(dl.bytes))));
    }
    let mut out = format!(
        "{file}: {} `{}`: {}\n",
        a.path,
        a.workload,
        headline(a.verdict)
    );
    for (k, v) in rows {
        out.push_str(&format!("  {k:<10} {v}\n"));
    }
    out
}

fn headline(v: Verdict) -> &'static str {
    match v {
        Verdict::Fits => "fits",
        Verdict::FewSequences => "fits a few sequences (W0070)",
        Verdict::KvCacheTooSmall => "does not fit one sequence (E0221)",
        Verdict::WeightsTooLarge => "the weights do not fit (E0220)",
    }
}

/// One server's account as a JSON object (bytes as integers).
pub fn json(file: &str, a: &Assessment) -> Value {
    let acc = &a.account;
    let whole = |b: f64| b.max(0.0).round() as u64;
    json!({
        "file": file,
        "server": a.path,
        "workload": a.workload,
        "runtime": a.runtime,
        "verdict": a.verdict.as_str(),
        "model": {
            "name": a.model,
            "repository": a.repository,
            "parameters": a.parameters.round() as u64,
            "active_parameters": a.active_parameters.map(|p| p.round() as u64),
            "dtype": a.dtype,
            "quantization": a.quantization,
        },
        "devices": {
            "accelerator": a.accelerator,
            "mig": a.mig,
            "count": a.devices,
            "bytes_each": whole(a.device_bytes),
            "tensor_parallel": a.tensor_parallel,
            "pipeline_parallel": a.pipeline_parallel,
        },
        "fraction": (a.fraction * 1000.0).round() / 1000.0,
        "max_context": a.max_context,
        "max_sequences": a.max_sequences,
        "batched_tokens": a.batched_tokens,
        "per_device": {
            "budget_bytes": whole(acc.budget),
            "weights_bytes": whole(acc.weights),
            "overhead_bytes": whole(acc.overhead),
            "activation_bytes": whole(acc.activations),
            "kv_cache_bytes": whole(acc.kv_cache),
        },
        "weights_bytes": whole(acc.weights_total),
        "kv_cache_dtype": a.kv_cache_dtype,
        "kv_bytes_per_token": whole(acc.kv_per_token),
        "kv_bytes_per_sequence": whole(acc.kv_per_sequence),
        "kv_tokens": acc.tokens.floor().max(0.0) as u64,
        "sequences_at_max_context": (acc.sequences * 100.0).floor() / 100.0,
        "download": a.download.as_ref().map(|d| json!({
            "bytes": whole(d.bytes),
            "volume": d.volume.as_ref().map(|(s, _)| s.clone()),
            "volume_bytes": d.volume.as_ref().map(|(_, b)| whole(*b)),
        })),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(size(15.0 * GIB), "15.0 GiB");
        assert_eq!(size(512.0 * 1024.0 * 1024.0), "512 MiB");
        assert_eq!(size(131072.0), "128.0 KiB");
        assert_eq!(count(441600.4), "441,600");
        assert_eq!(count(12.0), "12");
        assert_eq!(parameters(8.03e9), "8.03B");
        assert_eq!(parameters(671e9), "671B");
        assert_eq!(parameters(70.6e9), "70.6B");
        assert_eq!(parameters(494e6), "494M");
    }
}
