//! Seed 003: OpenCensus stats, the Measure → View → export flow, with this SDK. A simulated
//! video service records the size and processing latency of each video it processes; views
//! count them and aggregate them into distributions, per frontend and codec.
//!
//! | OpenCensus (Python, seed 003) | here |
//! |---|---|
//! | `MeasureInt("video_size", "…", "By")`, `MeasureFloat(…, "ms")` | `meter.i64_measure(`[`SIZE`]`)` and `f64_measure(`[`LATENCY`]`)` in [`VideoStats::register`] |
//! | `View(name, description, columns, measure, aggregation)` | `View::new(measure).rename(name).description(..).attribute_keys(columns).aggregation(..)`, listed by [`views`] |
//! | `CountAggregation`, `DistributionAggregation([0, 16 MiB, 256 MiB])`, `SumAggregation`, `LastValueAggregation` | `Aggregation::{Count, Histogram, Sum, LastValue}` |
//! | `view_manager.register_view(v)`, `register_exporter(e)` | `MeterProvider::builder().with_view(v).with_reader(PeriodicReader::builder(e))` |
//! | `stats_recorder.new_measurement_map()`, `measure_int_put`, `record(tag_map)` | [`Measurement::record_all`] in [`VideoStats::record`] |
//! | the Stackdriver exporter, sending on an interval | `StackdriverExporter` in a `PeriodicReader` (`examples/stats_stackdriver.rs`) |
//! | points recorded since the last send are lost when the process exits | the provider's shutdown exports a final collection, and the exporter waits out the API's 5-second rule before writing it |
//!
//! Every video is recorded with both attributes ([`FRONTEND`], [`CODEC`]); each view keeps
//! the columns it names and aggregates over the others, as an OpenCensus view does.

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use telemetry_core::{Aggregation, Error, KeyValue, Measure, Measurement, Meter, View};

/// The measure of processed video sizes, in bytes (`By`).
pub const SIZE: &str = "processed_video_size";
/// The measure of processing latencies, in milliseconds.
pub const LATENCY: &str = "processing_latency";

/// The view counting videos (Count of [`SIZE`], columns `frontend`, `codec`).
pub const VIDEO_COUNT: &str = "video_count";
/// The distribution of video sizes (Histogram of [`SIZE`] with [`SIZE_BOUNDS`], column
/// `frontend`), as in OpenCensus' tutorial.
pub const VIDEO_SIZE: &str = "video_size";
/// The bytes processed (Sum of [`SIZE`], column `codec`).
pub const VIDEO_BYTES: &str = "video_bytes";
/// The size of the last video (LastValue of [`SIZE`], column `frontend`).
pub const LAST_VIDEO_SIZE: &str = "last_video_size";
/// The distribution of latencies (Histogram of [`LATENCY`] with [`LATENCY_BOUNDS`], column
/// `codec`).
pub const VIDEO_LATENCY: &str = "video_latency";

/// Every view's name, in the order of [`views`].
pub const VIEW_NAMES: [&str; 5] = [
    VIDEO_COUNT,
    VIDEO_SIZE,
    VIDEO_BYTES,
    LAST_VIDEO_SIZE,
    VIDEO_LATENCY,
];

/// The attribute naming the frontend a video came from.
pub const FRONTEND: &str = "frontend";
/// The attribute naming the video's codec.
pub const CODEC: &str = "codec";
/// The frontends the simulation draws from.
pub const FRONTENDS: [&str; 3] = ["web", "ios", "android"];
/// The codecs the simulation draws from.
pub const CODECS: [&str; 3] = ["h264", "vp9", "av1"];

const MIB: f64 = 1024.0 * 1024.0;
/// OpenCensus' tutorial buckets: 0, 16 MiB, 256 MiB.
pub const SIZE_BOUNDS: [f64; 3] = [0.0, 16.0 * MIB, 256.0 * MIB];
/// Latency buckets, in milliseconds.
pub const LATENCY_BOUNDS: [f64; 8] = [25.0, 50.0, 100.0, 200.0, 400.0, 800.0, 1600.0, 3200.0];

/// How often the simulation processes a video.
pub const EVERY: Duration = Duration::from_millis(100);

/// The views of the example: what OpenCensus' `view_manager.register_view` received.
///
/// ```
/// use telemetry_core::{testing::TestProvider, KeyValue};
/// use telemetry_examples::stats::{self, Video, VideoStats};
///
/// let t = TestProvider::with_views(stats::views());
/// let recorder = VideoStats::register(&t.meter())?;
/// recorder.record(&Video { frontend: "web", codec: "vp9", size_bytes: 20 << 20, latency_ms: 42.0 });
/// let s = t.snapshot();
/// let both = [KeyValue::new("codec", "vp9"), KeyValue::new("frontend", "web")];
/// s.assert_sum("video_count", &both, 1u64);
/// // (-inf, 0], (0, 16 MiB], (16 MiB, 256 MiB], (256 MiB, +inf)
/// s.assert_histogram("video_size", &[KeyValue::new("frontend", "web")], &[0, 0, 1, 0], 20.0 * 1048576.0);
/// s.assert_sum("video_bytes", &[KeyValue::new("codec", "vp9")], 20i64 << 20);
/// s.assert_gauge("last_video_size", &[KeyValue::new("frontend", "web")], 20i64 << 20);
/// assert_eq!(s.histogram("video_latency", &[KeyValue::new("codec", "vp9")]).unwrap().count, 1);
/// # Ok::<(), telemetry_core::Error>(())
/// ```
#[must_use]
pub fn views() -> Vec<View> {
    vec![
        View::new(SIZE)
            .rename(VIDEO_COUNT)
            .description("The number of videos processed")
            .attribute_keys([FRONTEND, CODEC])
            .aggregation(Aggregation::Count),
        View::new(SIZE)
            .rename(VIDEO_SIZE)
            .description("The distribution of processed video sizes")
            .attribute_keys([FRONTEND])
            .aggregation(Aggregation::Histogram {
                bounds: SIZE_BOUNDS.to_vec(),
            }),
        View::new(SIZE)
            .rename(VIDEO_BYTES)
            .description("The bytes of video processed")
            .attribute_keys([CODEC])
            .aggregation(Aggregation::Sum),
        View::new(SIZE)
            .rename(LAST_VIDEO_SIZE)
            .description("The size of the last video processed")
            .attribute_keys([FRONTEND])
            .aggregation(Aggregation::LastValue),
        View::new(LATENCY)
            .rename(VIDEO_LATENCY)
            .description("The distribution of processing latencies")
            .attribute_keys([CODEC])
            .aggregation(Aggregation::Histogram {
                bounds: LATENCY_BOUNDS.to_vec(),
            }),
    ]
}

/// The two measures, recorded together (OpenCensus' `StatsRecorder`).
#[derive(Clone, Debug)]
pub struct VideoStats {
    size: Measure<i64>,
    latency: Measure<f64>,
}

impl VideoStats {
    /// Creates the measures. They record nothing visible unless the provider has views
    /// selecting them ([`views`]).
    ///
    /// # Errors
    /// If `meter` already has instruments of these names with another definition.
    pub fn register(meter: &Meter) -> Result<Self, Error> {
        Ok(VideoStats {
            size: meter
                .i64_measure(SIZE)
                .with_description("The size of a processed video")
                .with_unit("By")
                .build()?,
            latency: meter
                .f64_measure(LATENCY)
                .with_description("The time taken to process a video")
                .with_unit("ms")
                .build()?,
        })
    }

    /// Records one video: both measures under the same attributes, as OpenCensus'
    /// `mmap.measure_int_put(size, …); mmap.measure_float_put(latency, …); mmap.record(tags)`.
    pub fn record(&self, video: &Video) {
        let tags = [
            KeyValue::new(FRONTEND, video.frontend),
            KeyValue::new(CODEC, video.codec),
        ];
        Measurement::record_all(
            &tags,
            &[
                self.size.measurement(video.size_bytes),
                self.latency.measurement(video.latency_ms),
            ],
        );
    }
}

/// One processed video.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Video {
    /// Where it came from (one of [`FRONTENDS`]).
    pub frontend: &'static str,
    /// Its codec (one of [`CODECS`]).
    pub codec: &'static str,
    /// Its size in bytes.
    pub size_bytes: i64,
    /// How long processing it took, in milliseconds.
    pub latency_ms: f64,
}

/// An endless, seeded stream of videos: sizes from 1 MiB to 1 GiB (log-uniform, so every
/// bucket of [`SIZE_BOUNDS`] above 0 gets some), latencies growing with the size.
///
/// ```
/// use telemetry_examples::stats::Videos;
///
/// let a: Vec<_> = Videos::new(3).take(100).collect();
/// assert_eq!(a, Videos::new(3).take(100).collect::<Vec<_>>());
/// assert!(a.iter().all(|v| (1 << 20..=1 << 30).contains(&v.size_bytes) && v.latency_ms > 0.0));
/// ```
#[derive(Debug)]
pub struct Videos {
    rng: fastrand::Rng,
}

impl Videos {
    /// The stream for `seed`; the same seed gives the same videos.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Videos {
            rng: fastrand::Rng::with_seed(seed),
        }
    }
}

impl Iterator for Videos {
    type Item = Video;

    fn next(&mut self) -> Option<Video> {
        let rng = &mut self.rng;
        let frontend = FRONTENDS[rng.usize(..FRONTENDS.len())];
        let codec_index = rng.usize(..CODECS.len());
        // 2^20 to 2^30 bytes, uniform in the exponent.
        let size = (20.0 + rng.f64() * 10.0)
            .exp2()
            .round()
            .min((1u64 << 30) as f64);
        let mib = size / MIB;
        // 5 ms of overhead, then 1 to 3 ms per MiB depending on the codec, ±20 %.
        let per_mib = 1.0 + codec_index as f64;
        let latency = (5.0 + mib * per_mib) * (0.8 + 0.4 * rng.f64());
        Some(Video {
            frontend,
            codec: CODECS[codec_index],
            size_bytes: size as i64,
            latency_ms: latency,
        })
    }
}

/// Processes (records) a video from `videos` every [`EVERY`] until `duration` has passed
/// (`None`: forever) or `stop` receives a message; returns how many were recorded. A message
/// on `stop` ends the run at once, after the videos recorded so far.
pub fn simulate(
    stats: &VideoStats,
    videos: &mut Videos,
    duration: Option<Duration>,
    stop: &Receiver<()>,
) -> u64 {
    let end = duration.map(|d| Instant::now() + d);
    let mut recorded = 0;
    for video in videos {
        stats.record(&video);
        recorded += 1;
        let wait = match end {
            Some(end) => match end.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => EVERY.min(left),
                _ => break,
            },
            None => EVERY,
        };
        match stop.recv_timeout(wait) {
            Ok(()) => break,
            Err(RecvTimeoutError::Timeout) => {}
            // Nobody can send a stop any more: only the duration ends the run.
            Err(RecvTimeoutError::Disconnected) => std::thread::sleep(wait),
        }
    }
    recorded
}
