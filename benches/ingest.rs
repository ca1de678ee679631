//! Ingest speed on the synthetic CSV (`hotspot synth` data): full strict parse vs a bare
//! `csv::ByteRecord` scan of the same bytes (the floor any CSV reader pays).
//!
//! `cargo bench --bench ingest` — criterion reports elements (rows) per second.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hotspot::ingest::{IngestOptions, csv::read_reports};
use hotspot::synth::{SynthParams, generate, write_reports_csv};
use std::hint::black_box;

fn synthetic_csv(n: usize) -> Vec<u8> {
    let data = generate(&SynthParams {
        n,
        seed: 42,
        ..Default::default()
    });
    let mut buf = Vec::with_capacity(n * 60);
    write_reports_csv(&mut buf, &data.reports).unwrap();
    buf
}

fn bare_scan(bytes: &[u8]) -> usize {
    let mut rdr = csv::ReaderBuilder::new().from_reader(bytes);
    let mut rec = csv::ByteRecord::new();
    let mut fields = 0;
    while rdr.read_byte_record(&mut rec).unwrap() {
        fields += rec.len();
    }
    fields
}

fn ingest(c: &mut Criterion) {
    let opts = IngestOptions::default();
    for n in [100_000usize, 1_000_000] {
        let bytes = synthetic_csv(n);
        let mut g = c.benchmark_group(format!("ingest_csv_{n}"));
        g.sample_size(10);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function("strict_parse", |b| {
            b.iter(|| {
                read_reports(black_box(&bytes), "r.csv", &opts)
                    .unwrap()
                    .rows
                    .len()
            })
        });
        g.bench_function("bare_csv_scan_baseline", |b| {
            b.iter(|| bare_scan(black_box(&bytes)))
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    // No plots: criterion's plotters backend needs system fonts this machine lacks.
    config = Criterion::default().without_plots();
    targets = ingest
}
criterion_main!(benches);
