//! The pipeline: the registry of instruments and callbacks, and collection.
//!
//! Registration and collection take a mutex; recording never does (instruments hold their
//! streams directly).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use crate::data::{Resource, ResourceMetrics, Scope, ScopeMetrics};
use crate::error::Error;
use crate::instrument::builder::Descriptor;
use crate::instrument::observable::{CollectContext, ObservableCore, ObservableStream};
use crate::instrument::{InstrumentCore, InstrumentKind};
use crate::name::{validate_buckets, validate_name, validate_unit};
use crate::number::NumberKind;
use crate::stream::Stream;
use crate::view::{resolve, Selection, View};

use super::callbacks::{Callbacks, TryInline};
use super::self_metrics::SelfMetrics;

/// A callback run at every collection; it returns false once it should be removed (its
/// collector was dropped).
pub(crate) type Callback = Box<dyn FnMut(&mut CollectContext) -> bool + Send>;

#[derive(Debug)]
enum Registered {
    Sync(Arc<InstrumentCore>),
    Observable(Arc<ObservableCore>),
}

#[derive(Debug)]
struct Entry {
    scope: Scope,
    kind: InstrumentKind,
    number: NumberKind,
    unit: String,
    states: Option<Arc<[String]>>,
    instrument: Registered,
}

#[derive(Debug, Default)]
struct Registry {
    /// Registration order, so collection output does not depend on hashing.
    entries: Vec<Entry>,
    by_name: HashMap<(Scope, String), usize>,
}

static NEXT_INSTRUMENT_ID: AtomicUsize = AtomicUsize::new(1);

pub(crate) struct Pipeline {
    pub(crate) resource: Resource,
    views: Vec<View>,
    cardinality_limit: usize,
    idle_expiry: Option<Duration>,
    /// Whether histograms track their sum of squared deviations (a reader asked).
    squared_deviation: bool,
    registry: Mutex<Registry>,
    pub(crate) callbacks: Callbacks,
    shut_down: AtomicBool,
    /// Set once, right after the pipeline is built, when self-metrics are on.
    pub(crate) self_metrics: std::sync::OnceLock<SelfMetrics>,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("resource", &self.resource)
            .field("views", &self.views)
            .finish_non_exhaustive()
    }
}

/// A state set needs at least one state, each a non-empty string, none twice.
fn validate_states(states: &[String]) -> Result<(), Error> {
    let distinct = states
        .iter()
        .enumerate()
        .all(|(i, s)| !s.is_empty() && !states[..i].contains(s));
    if states.is_empty() || !distinct {
        return Err(Error::UnknownState {
            state: String::new(),
            states: states.to_vec(),
        });
    }
    Ok(())
}

/// A poisoned lock only means a user callback panicked mid-collection; the registry itself
/// is never left half-updated, so carry on.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Pipeline {
    pub(crate) fn new(
        resource: Resource,
        views: Vec<View>,
        cardinality_limit: usize,
        idle_expiry: Option<Duration>,
        callback_timeout: Option<Duration>,
        squared_deviation: bool,
    ) -> Self {
        Pipeline {
            resource,
            views,
            cardinality_limit,
            idle_expiry,
            squared_deviation,
            registry: Mutex::new(Registry::default()),
            callbacks: Callbacks::new(callback_timeout),
            self_metrics: std::sync::OnceLock::new(),
            shut_down: AtomicBool::new(false),
        }
    }

    pub(crate) fn is_shut_down(&self) -> bool {
        self.shut_down.load(Ordering::Acquire)
    }

    /// Marks the pipeline shut down; returns false if it already was.
    pub(crate) fn begin_shutdown(&self) -> bool {
        !self.shut_down.swap(true, Ordering::AcqRel)
    }

    fn validate(d: &Descriptor) -> Result<(), Error> {
        validate_name(&d.name)?;
        validate_unit(&d.name, &d.unit)?;
        if let Some(bounds) = &d.buckets {
            validate_buckets(&d.name, bounds)?;
        }
        if let Some(states) = &d.states {
            validate_states(states)?;
        }
        Ok(())
    }

    fn selection<'a>(&self, d: &'a Descriptor) -> Selection<'a> {
        Selection {
            name: &d.name,
            description: &d.description,
            unit: &d.unit,
            kind: d.kind,
            number: d.number,
            buckets: d.buckets.as_deref(),
            states: d.states.as_ref(),
            cardinality_limit: self.cardinality_limit,
        }
    }

    /// Finds an instrument registered under the same name, checking it is the same one.
    fn existing<'r>(
        reg: &'r Registry,
        scope: &Scope,
        d: &Descriptor,
    ) -> Result<Option<&'r Registered>, Error> {
        let Some(&index) = reg.by_name.get(&(scope.clone(), d.name.clone())) else {
            return Ok(None);
        };
        let e = &reg.entries[index];
        if e.kind != d.kind || e.number != d.number || e.unit != d.unit || e.states != d.states {
            return Err(Error::conflict(
                &d.name,
                (e.kind, e.number, &e.unit),
                (d.kind, d.number, &d.unit),
            ));
        }
        Ok(Some(&e.instrument))
    }

    fn insert(reg: &mut Registry, scope: &Scope, d: &Descriptor, instrument: Registered) {
        reg.by_name
            .insert((scope.clone(), d.name.clone()), reg.entries.len());
        reg.entries.push(Entry {
            scope: scope.clone(),
            kind: d.kind,
            number: d.number,
            unit: d.unit.clone(),
            states: d.states.clone(),
            instrument,
        });
    }

    pub(crate) fn sync_instrument(
        &self,
        scope: &Scope,
        d: Descriptor,
    ) -> Result<Arc<InstrumentCore>, Error> {
        if self.is_shut_down() {
            return Err(Error::Shutdown);
        }
        Self::validate(&d)?;
        let mut reg = lock(&self.registry);
        if let Some(Registered::Sync(core)) = Self::existing(&reg, scope, &d)? {
            return Ok(core.clone());
        }
        let streams = resolve(&self.views, &self.selection(&d))?
            .into_iter()
            .map(|mut spec| {
                spec.idle_expiry = self.idle_expiry;
                spec.squared_deviation = self.squared_deviation;
                Arc::new(Stream::new(spec))
            })
            .collect();
        let core = Arc::new(InstrumentCore { streams });
        Self::insert(&mut reg, scope, &d, Registered::Sync(core.clone()));
        Ok(core)
    }

    pub(crate) fn observable_instrument(
        &self,
        scope: &Scope,
        d: Descriptor,
    ) -> Result<Arc<ObservableCore>, Error> {
        if self.is_shut_down() {
            return Err(Error::Shutdown);
        }
        Self::validate(&d)?;
        let mut reg = lock(&self.registry);
        if let Some(Registered::Observable(core)) = Self::existing(&reg, scope, &d)? {
            return Ok(core.clone());
        }
        let streams = resolve(&self.views, &self.selection(&d))?
            .into_iter()
            .map(|mut spec| {
                spec.squared_deviation = self.squared_deviation;
                ObservableStream::new(spec)
            })
            .collect();
        let core = Arc::new(ObservableCore {
            id: NEXT_INSTRUMENT_ID.fetch_add(1, Ordering::Relaxed),
            streams,
        });
        Self::insert(&mut reg, scope, &d, Registered::Observable(core.clone()));
        Ok(core)
    }

    pub(crate) fn add_callback(&self, callback: Callback, try_inline: Option<TryInline>) {
        self.callbacks.add(callback, try_inline);
    }

    /// One collection of everything registered. Callbacks run first, isolated (see
    /// `callbacks.rs`): one that panics or overruns its timeout is left out, not fatal.
    pub(crate) fn collect(&self) -> ResourceMetrics {
        let started = std::time::Instant::now();
        let mut ctx = self.callbacks.run();
        ctx.group();
        let (panics, timeouts) = self.callbacks.failures.take();
        if let Some(m) = self.self_metrics.get() {
            m.callback_failures(panics, timeouts);
        }
        let now = SystemTime::now();
        let reg = lock(&self.registry);
        if let Some(m) = self.self_metrics.get() {
            // Before any stream is read, so this collection already reports them.
            for entry in &reg.entries {
                if let Registered::Sync(core) = &entry.instrument {
                    for stream in &core.streams {
                        let overflowed = stream.take_overflowed();
                        if overflowed > 0 {
                            m.overflow(&stream.spec.name, overflowed);
                        }
                    }
                }
            }
        }
        // Keyed by reference: the registry stays locked until the scopes are built.
        let mut scopes: BTreeMap<(&str, Option<&str>), ScopeMetrics> = BTreeMap::new();
        for entry in &reg.entries {
            let scope = scopes
                .entry((&entry.scope.name, entry.scope.version.as_deref()))
                .or_insert_with(|| ScopeMetrics {
                    scope: entry.scope.clone(),
                    // Usually one scope: room for every instrument's stream at once.
                    metrics: Vec::with_capacity(reg.entries.len()),
                });
            match &entry.instrument {
                Registered::Sync(core) => {
                    scope
                        .metrics
                        .extend(core.streams.iter().map(|s| s.collect(now)));
                }
                Registered::Observable(core) => {
                    let observed = ctx.of(core.id);
                    scope
                        .metrics
                        .extend(core.streams.iter().map(|s| s.collect(observed, now)));
                }
            }
        }
        // The values own their data: the registry is released once the keys are gone.
        let scopes: Vec<ScopeMetrics> = scopes.into_values().collect();
        drop(reg);
        let scope_metrics = scopes
            .into_iter()
            .map(|mut s| {
                s.metrics.retain(|m| !crate::data::is_empty(&m.data));
                s.metrics.sort_by(|a, b| a.name.cmp(&b.name));
                s
            })
            .filter(|s| !s.metrics.is_empty())
            .collect();
        if let Some(m) = self.self_metrics.get() {
            m.collection(started.elapsed().as_secs_f64());
        }
        ResourceMetrics {
            resource: self.resource.clone(),
            scope_metrics,
        }
    }
}
