//! Waiting for work without sleeping through it: the breadth-first engine's threads wait
//! for each other a fraction of a millisecond at a time.

/// Waiting for work: spin briefly and yield the processor, and once the wait has lasted
/// about a millisecond, sleep in naps that double up to 0.8 ms, so that a long wait
/// (the search thread drawing a state graph, say) does not keep cores busy for nothing.
#[derive(Default)]
pub(crate) struct Backoff(u32);

impl Backoff {
    /// Rounds of spinning and yielding before napping (each a microsecond or so).
    const SPINS: u32 = 1000;

    /// Waits a moment.
    pub(crate) fn wait(&mut self) {
        if self.0 < Self::SPINS {
            for _ in 0..64 {
                std::hint::spin_loop();
            }
            std::thread::yield_now();
        } else {
            let naps = (self.0 - Self::SPINS).min(4);
            std::thread::sleep(std::time::Duration::from_micros(50 << naps));
        }
        self.0 = self.0.saturating_add(1);
    }

    /// Work came: the next wait starts by spinning again.
    pub(crate) fn reset(&mut self) {
        self.0 = 0;
    }
}
