//! A deterministic simulated SORACOM account: a fixed set of SIMs whose sessions go on- and
//! offline from call to call, and an API that fails every Nth call. The same seed gives the
//! same answers in the same order, so tests can rely on them.

use std::sync::atomic::{AtomicU64, Ordering};

use super::{ApiError, SessionApi, Subscriber};

/// The account's SIMs: `(IMSI, name tag)`. The names are what real accounts hold: Japanese,
/// punctuation, characters the exposition format must escape, and no tag at all.
const SIMS: [(&str, &str); 6] = [
    ("440103000000001", "会社検証用"),
    ("440103000000002", "倉庫センサー #2"),
    ("440103000000003", "Ju's car"),
    ("440103000000004", "field \"B\" \\ spare"),
    ("440103000000005", ""),
    ("440103000000006", "Ünïcödé ☃"),
];

/// The simulated API; `&self` like an HTTP client, so it can be shared with a writer
/// thread.
#[derive(Debug)]
pub struct SimulatedSoracom {
    seed: u64,
    fail_every: u64,
    calls: AtomicU64,
}

impl SimulatedSoracom {
    /// An account whose session changes are fixed by `seed`; no call fails.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        SimulatedSoracom {
            seed,
            fail_every: 0,
            calls: AtomicU64::new(0),
        }
    }

    /// Makes every `n`th call fail with HTTP 503 (`0`: never).
    ///
    /// ```
    /// use telemetry_examples::soracom::{SessionApi, SimulatedSoracom};
    ///
    /// let api = SimulatedSoracom::new(1).with_failure_every(3);
    /// let outcomes: Vec<bool> = (0..6).map(|_| api.subscribers().is_ok()).collect();
    /// assert_eq!(outcomes, [true, true, false, true, true, false]);
    /// ```
    #[must_use]
    pub fn with_failure_every(mut self, n: u64) -> Self {
        self.fail_every = n;
        self
    }

    /// Calls so far.
    #[must_use]
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }

    /// The number of SIMs of the account.
    #[must_use]
    pub fn sim_count(&self) -> usize {
        SIMS.len()
    }
}

impl SessionApi for SimulatedSoracom {
    fn subscribers(&self) -> Result<Vec<Subscriber>, ApiError> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if self.fail_every > 0 && call.is_multiple_of(self.fail_every) {
            return Err(ApiError {
                call,
                status: 503,
                message: "Service Unavailable (simulated)".into(),
            });
        }
        Ok(SIMS
            .iter()
            .zip(0u64..)
            .map(|(&(imsi, name), i)| Subscriber {
                imsi: imsi.into(),
                name: name.into(),
                // Online about two thirds of the time, independently per SIM and call.
                online: !mix(self.seed, call, i).is_multiple_of(3),
            })
            .collect())
    }
}

/// SplitMix64 over the three inputs: a well-spread, dependency-free hash.
fn mix(seed: u64, call: u64, sim: u64) -> u64 {
    let mut z = seed
        .wrapping_add(call.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(sim.wrapping_mul(0xD1B5_4A32_D192_ED03));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_answers() {
        let (a, b) = (SimulatedSoracom::new(7), SimulatedSoracom::new(7));
        for _ in 0..5 {
            assert_eq!(a.subscribers(), b.subscribers());
        }
        let c = SimulatedSoracom::new(8);
        let differs = (0..5).any(|_| a.subscribers() != c.subscribers());
        assert!(differs, "seeds 7 and 8 gave identical sequences");
    }

    #[test]
    fn sessions_change_and_both_states_occur() {
        let api = SimulatedSoracom::new(1);
        let polls: Vec<Vec<bool>> = (0..20)
            .map(|_| {
                api.subscribers()
                    .unwrap()
                    .iter()
                    .map(|s| s.online)
                    .collect()
            })
            .collect();
        let all: Vec<bool> = polls.iter().flatten().copied().collect();
        assert!(all.contains(&true) && all.contains(&false));
        assert!(polls.windows(2).any(|w| w[0] != w[1]));
        assert_eq!(api.calls(), 20);
    }

    #[test]
    fn failures_carry_the_call_number() {
        let api = SimulatedSoracom::new(1).with_failure_every(2);
        assert!(api.subscribers().is_ok());
        let err = api.subscribers().unwrap_err();
        assert_eq!(
            err.to_string(),
            "SORACOM API call 2 failed: HTTP 503 Service Unavailable (simulated)"
        );
    }
}
