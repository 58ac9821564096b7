//! The [`Model`] trait every engine explores, and the vocabulary of steps and violations.

use crate::describe::{Field, FieldKind, Local};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;
use std::fmt::Debug;
use std::hash::Hash;
use std::sync::Arc;

/// A concurrent program with a fixed set of threads, explored one atomic step at a time.
///
/// Contract every engine relies on: [`step`](Model::step) is deterministic (same state and
/// thread, same successor), threads are numbered `0..thread_count()` in a fixed order, and
/// states serialize (traces, the shuttle and distributed engines move them). A model is
/// cloned into the worker threads of the engines that need it, so it owns what it uses.
pub trait Model: Clone + Send + Sync + 'static {
    /// Shared state, every thread's program counter and locals, and ghost state. Engines
    /// serialize states to queue them compactly (and to send them between processes).
    type State: Clone + Eq + Hash + Debug + Send + Sync + Serialize + DeserializeOwned + 'static;

    /// The state every schedule starts from.
    fn initial_state(&self) -> Self::State;

    /// How many threads the model has.
    fn thread_count(&self) -> usize;

    /// The name of `thread`, as the scenario calls it.
    fn thread_name(&self, thread: usize) -> &str;

    /// Whether `thread` can take a step in `state`, must wait (a held lock), or is done.
    fn status(&self, state: &Self::State, thread: usize) -> Status;

    /// Executes the next step of `thread`, which must be [`Status::Enabled`], in place.
    /// An assertion that fails inside the step (a `BUG_ON`, an `assert!`) is a [`Violation`].
    fn step(&self, state: &mut Self::State, thread: usize) -> Result<(), Violation>;

    /// What the next step of `thread` (enabled or blocked) is: its label and source. Engines
    /// call it off the hot path: for traces, state views and graphs.
    fn step_info(&self, state: &Self::State, thread: usize) -> StepInfo;

    /// Checks that must hold in every reachable state.
    fn invariant(&self, _state: &Self::State) -> Result<(), Violation> {
        Ok(())
    }

    /// Checks that must hold in a terminal state (every thread finished).
    fn end_check(&self, _state: &Self::State) -> Result<(), Violation> {
        Ok(())
    }

    /// The state's fields, in a stable order, for traces and state views.
    fn fields(&self, state: &Self::State) -> Vec<Field>;

    /// `thread`'s local variables in `state`, named as in the modelled code. None by default.
    fn locals(&self, _state: &Self::State, _thread: usize) -> Vec<Local> {
        Vec::new()
    }

    /// Partial-order reduction for this model. `None`, the default, explores every
    /// interleaving and costs nothing. A model that declares what its steps touch implements
    /// [`Reduce`](crate::reduce::Reduce) and returns
    /// `Some(Reducer::by_footprints())` here.
    fn reduction(&self) -> Option<Reducer<Self>> {
        None
    }

    /// Thread symmetry for this model ([`symmetry`](crate::symmetry)): `None`, the default,
    /// treats every thread as distinct. A model whose scenario has interchangeable threads
    /// implements [`Symmetric`] and returns
    /// [`Symmetry::by_sorting`](crate::Symmetry::by_sorting) here.
    fn symmetry(&self) -> Option<Symmetry<Self>> {
        None
    }

    /// Appends an encoding of `state` to `out` that [`decode`](Model::decode) reverses:
    /// engines queue states encoded, so that a wide search level costs its encoded size (in
    /// memory or on disk), not the full state's. The default is serde's (postcard); a model
    /// can pack its states by hand, which makes the search faster.
    fn encode(&self, state: &Self::State, out: &mut Vec<u8>) {
        encode_serde(state, out)
    }

    /// The state's 64-bit fingerprint, which the visited set stores in its place. Equal
    /// states must have equal fingerprints. The default hashes the state's `Hash` bytes
    /// ([`fingerprint`](crate::fingerprint())); a model that packs its states by hand can hash
    /// the packed bytes instead ([`fingerprint_bytes`](crate::fingerprint_bytes)), which is
    /// faster than feeding `Hash` field by field.
    #[inline]
    fn fingerprint(&self, state: &Self::State) -> u64 {
        crate::store::fingerprint::fingerprint(state)
    }

    /// Appends `state` encoded to `out` and returns its fingerprint: what
    /// [`encode`](Model::encode) and [`fingerprint`](Model::fingerprint) give. The search
    /// calls it for every successor it keeps; a model whose fingerprint hashes its encoding
    /// does both at once ([`fingerprint_bytes`](crate::fingerprint_bytes) of the bytes
    /// appended), instead of packing the state twice.
    #[inline]
    fn encode_fingerprinted(&self, state: &Self::State, out: &mut Vec<u8>) -> u64 {
        self.encode(state, out);
        self.fingerprint(state)
    }

    /// The state [`encode`](Model::encode) wrote as `bytes`.
    fn decode(&self, bytes: &[u8]) -> Self::State {
        postcard::from_bytes(bytes).expect("a state the search encoded decodes")
    }

    /// The names of every check the model runs (assertions, invariants, end checks), for
    /// views that show each check's status; `deadlock` is implied.
    fn checks(&self) -> Vec<&'static str> {
        Vec::new()
    }

    /// Every step `thread`'s program contains, reached or not, named for coverage reports
    /// (`op 2 pte_fragment_free: pgtable_page_dtor`). Empty: the model reports no coverage.
    fn coverage_points(&self, _thread: usize) -> Vec<String> {
        Vec::new()
    }

    /// Whether [`coverage_points`](Model::coverage_points) is each thread's whole program, so
    /// that a point no transition reached is code the search never ran (true, the default),
    /// or every step the model has, of which a thread's operations run only some (a summary
    /// then lists what was reached, not what was not).
    fn coverage_is_program(&self) -> bool {
        true
    }

    /// Which of [`coverage_points`](Model::coverage_points)`(thread)` the enabled `thread`'s
    /// next step is. Called for every transition: keep it cheap.
    fn coverage_point(&self, _state: &Self::State, _thread: usize) -> usize {
        0
    }

    /// A short one-line label of `state` for state graphs: the fields that matter and where
    /// each thread is. With `shared_only`, only the shared state (no thread positions, no
    /// locals), so that states differing only in them can be drawn as one. The default is
    /// every field as `name=value`, ghost ones marked `(ghost)`.
    fn state_label(&self, state: &Self::State, shared_only: bool) -> String {
        let _ = shared_only;
        self.fields(state)
            .iter()
            .map(|f| match f.kind {
                FieldKind::Memory => format!("{}={}", f.name, f.value),
                FieldKind::Ghost => format!("{} (ghost)={}", f.name, f.value),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A model's partial-order reduction, as [`Model::reduction`] offers it: the engines call it
/// once per state they expand to choose a thread whose step alone may be explored there
/// (see [`reduce`](crate::reduce)).
pub struct Reducer<M: Model> {
    pub(crate) ample: AmpleFn<M>,
    /// On unless the search turns it off ([`Reduction::Auto`](crate::Reduction::Auto)), or
    /// only when asked for ([`off_by_default`](Reducer::off_by_default)).
    pub(crate) by_default: bool,
}

/// Chooses, among the threads of a state (each with its status), one whose next step alone is
/// a persistent set, if there is one.
pub(crate) type AmpleFn<M> = fn(&M, &<M as Model>::State, &[Status]) -> Option<usize>;

impl<M: Model> Clone for Reducer<M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M: Model> Copy for Reducer<M> {}

impl<M: Model> Reducer<M> {
    /// The same reduction, on only when a search asks for it
    /// ([`Reduction::On`](crate::Reduction::On)): for a model where it has not been measured
    /// to pay.
    pub fn off_by_default(self) -> Self {
        Reducer {
            by_default: false,
            ..self
        }
    }

    /// The thread whose next step alone may be explored in `state`, if any.
    #[inline]
    pub(crate) fn ample(&self, model: &M, state: &M::State, statuses: &[Status]) -> Option<usize> {
        (self.ample)(model, state, statuses)
    }
}

/// How a model's threads may be renamed.
pub trait Symmetric: Model {
    /// Sort key of `thread`'s part of `state` (see the module's contract).
    type Key: Ord;

    /// The groups of interchangeable threads, each in increasing order, a thread in at most
    /// one, only groups of two or more.
    fn thread_groups(&self) -> Vec<Vec<usize>>;

    /// `thread`'s sort key in `state`.
    fn thread_key(&self, state: &Self::State, thread: usize) -> Self::Key;

    /// `state` with its threads renamed: thread `t`'s part moves to `to[t]`, and every
    /// reference to `t` becomes one to `to[t]`. `to` permutes each group within itself.
    fn permute(&self, state: &mut Self::State, to: &[u8]);

    /// Whether a step changes no key but the key of the thread that moved. Then the search,
    /// whose states are already sorted, moves only that thread within its group instead of
    /// sorting every group anew. The default, `false`, is always sound.
    fn keys_are_local(&self) -> bool {
        false
    }
}

/// A model's symmetry, as [`Model::symmetry`] offers it: the groups,
/// and how to compare and rename threads (kept as functions so that a wrapper such as the
/// preemption bound can extend them).
pub struct Symmetry<M: Model> {
    /// The groups of interchangeable threads.
    pub groups: Vec<Vec<usize>>,
    pub(crate) sort: Arc<SortFn<M>>,
    /// Where the thread that moved goes in its group, when the model's keys are local
    /// ([`Symmetric::keys_are_local`]).
    pub(crate) place: Option<Arc<PlaceFn<M>>>,
    pub(crate) permute: Arc<PermuteFn<M>>,
}

/// A renaming of a model's threads: `to[old] = new`.
pub type Renaming = SmallVec<[u8; 16]>;

/// Sorts a group's threads (stably) by their keys in a state.
pub(crate) type SortFn<M> = dyn Fn(&M, &<M as Model>::State, &mut [usize]) + Send + Sync;
/// The index in a sorted group where its thread at the index given goes once that thread,
/// alone, has stepped.
pub(crate) type PlaceFn<M> =
    dyn Fn(&M, &<M as Model>::State, &[usize], usize) -> usize + Send + Sync;
/// Renames the threads of a state (`to[old] = new`).
pub(crate) type PermuteFn<M> = dyn Fn(&M, &mut <M as Model>::State, &[u8]) + Send + Sync;

impl<M: Model> Clone for Symmetry<M> {
    fn clone(&self) -> Self {
        Symmetry {
            groups: self.groups.clone(),
            sort: Arc::clone(&self.sort),
            place: self.place.clone(),
            permute: Arc::clone(&self.permute),
        }
    }
}

impl<M: Symmetric> Symmetry<M> {
    /// Each group sorted by [`Symmetric::thread_key`]; `None` when no two threads are
    /// interchangeable.
    pub fn by_sorting(model: &M) -> Option<Self> {
        let groups = model.thread_groups();
        (!groups.is_empty()).then(|| Symmetry {
            groups,
            sort: Arc::new(sort_by_key::<M>),
            place: model
                .keys_are_local()
                .then(|| Arc::new(place_moved::<M>) as Arc<PlaceFn<M>>),
            permute: Arc::new(|m: &M, s: &mut M::State, to: &[u8]| m.permute(s, to)),
        })
    }
}

impl<M: Model> Symmetry<M> {
    /// Puts `state` in canonical form: each group's threads sorted (stably) by key, and
    /// renamed accordingly; `to[old] = new` for every thread.
    pub fn canonicalize(&self, model: &M, state: &mut M::State, to: &mut Renaming) {
        to.clear();
        to.extend((0..model.thread_count()).map(|t| t as u8));
        let mut renamed = false;
        let mut sorted: SmallVec<[usize; 16]> = SmallVec::new();
        for group in &self.groups {
            sorted.clear();
            sorted.extend_from_slice(group);
            (self.sort)(model, state, &mut sorted);
            for (slot, old) in group.iter().zip(&sorted) {
                to[*old] = *slot as u8;
                renamed |= old != slot;
            }
        }
        if renamed {
            (self.permute)(model, state, to);
        }
    }

    /// [`canonicalize`](Self::canonicalize) for a state that `moved`'s step reached from a
    /// canonical one: the same state, found by moving only that thread when keys are local.
    pub(crate) fn canonicalize_step(&self, model: &M, state: &mut M::State, moved: usize) {
        let Some(place) = &self.place else {
            return self.canonicalize(model, state, &mut Renaming::new());
        };
        // A thread in no group changed no key a group sorts by.
        let Some((group, at)) = self
            .groups
            .iter()
            .find_map(|g| Some((g, g.iter().position(|&t| t == moved)?)))
        else {
            return;
        };
        #[cfg(debug_assertions)]
        let expected = {
            let mut expected = state.clone();
            self.canonicalize(model, &mut expected, &mut Renaming::new());
            expected
        };
        let dest = place(model, state, group, at);
        if dest != at {
            // The threads between shift by one towards `at`'s place.
            let mut to: Renaming = (0..model.thread_count() as u8).collect();
            to[group[at]] = group[dest] as u8;
            for k in dest.min(at)..=dest.max(at) {
                if k != at {
                    let shifted = if dest < at { k + 1 } else { k - 1 };
                    to[group[k]] = group[shifted] as u8;
                }
            }
            (self.permute)(model, state, &to);
        }
        #[cfg(debug_assertions)]
        debug_assert!(
            *state == expected,
            "a step changed another thread's key, but the model says keys are local"
        );
    }
}

/// Sorts `group` stably by [`Symmetric::thread_key`], each key computed once (an insertion
/// sort: groups are small).
fn sort_by_key<M: Symmetric>(model: &M, state: &M::State, group: &mut [usize]) {
    let mut keyed: SmallVec<[(M::Key, usize); 8]> = SmallVec::new();
    for &t in group.iter() {
        keyed.push((model.thread_key(state, t), t));
    }
    for i in 1..keyed.len() {
        let mut j = i;
        while j > 0 && keyed[j - 1].0 > keyed[j].0 {
            keyed.swap(j - 1, j);
            j -= 1;
        }
    }
    for (slot, (_, t)) in group.iter_mut().zip(keyed) {
        *slot = t;
    }
}

/// Where `group[at]` goes in `group`, sorted before it stepped, when no other key changed:
/// left past greater keys or right past smaller ones, where the stable sort puts it.
fn place_moved<M: Symmetric>(model: &M, state: &M::State, group: &[usize], at: usize) -> usize {
    let key = model.thread_key(state, group[at]);
    let greater = group[..at]
        .iter()
        .rev()
        .take_while(|&&t| model.thread_key(state, t) > key)
        .count();
    if greater > 0 {
        return at - greater;
    }
    at + group[at + 1..]
        .iter()
        .take_while(|&&t| model.thread_key(state, t) < key)
        .count()
}

/// Whether a thread can move.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The thread's next step can run now.
    Enabled,
    /// The thread waits (for a lock held by another thread).
    Blocked,
    /// The thread has run all its operations.
    Finished,
}

/// The check the explorer runs itself: no thread can move, but some have not finished.
pub const DEADLOCK: &str = "deadlock";

/// A broken check: which one, and what it saw.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The check's name, as scenarios and `[expect]` spell it (`refcount_underflow`).
    pub check: String,
    /// What the check saw, in the model's words.
    pub message: String,
}

impl Violation {
    /// A violation of `check`, explained by `message`.
    pub fn new(check: impl Into<String>, message: impl Into<String>) -> Self {
        Violation {
            check: check.into(),
            message: message.into(),
        }
    }

    /// The violation reported when no thread can move but some have not finished: each
    /// `(thread, the step it waits to take)`.
    pub fn deadlock(blocked: &[(&str, String)]) -> Self {
        let each: Vec<String> = blocked
            .iter()
            .map(|(name, next)| format!("{name} (waits to run `{next}`)"))
            .collect();
        Violation::new(
            DEADLOCK,
            format!(
                "no thread can move, but {} not finished: {}",
                if blocked.len() == 1 {
                    "one has"
                } else {
                    "some have"
                },
                each.join(", ")
            ),
        )
    }

    /// Whether this is the explorer's own [`DEADLOCK`] check.
    pub fn is_deadlock(&self) -> bool {
        self.check == DEADLOCK
    }
}

/// Where a step comes from in the modelled program: the function, the file, and the version
/// of the code it was read from (a release, a commit, a proposal: the model's words).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// The function the step is part of (`__alloc_for_ptecache`).
    pub function: String,
    /// The file it lives in (`arch/powerpc/mm/pgtable-book3s64.c`).
    pub file: String,
    /// The version of the code the step was read from (`4231aba000f5`, `v4.18`).
    #[serde(alias = "commit")]
    pub version: String,
}

impl Source {
    /// `function` in `file`, read at `version`.
    pub fn new(function: &str, file: &str, version: &str) -> Source {
        Source {
            function: function.into(),
            file: file.into(),
            version: version.into(),
        }
    }
}

/// What a thread's next step is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepInfo {
    /// The expression of the modelled code the step stands for (`set_page_count(page0, 2)`).
    pub label: String,
    /// What the model adds about it, if anything (`plain store: _refcount 2 -> 2`).
    pub note: Option<String>,
    /// Where it is in the modelled code.
    pub source: Source,
}

impl std::fmt::Display for StepInfo {
    /// The label, then the note in brackets: `set_page_count(page0, 2)  [plain store]`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.note {
            None => write!(f, "{}", self.label),
            Some(note) => write!(f, "{}  [{note}]", self.label),
        }
    }
}

/// Appends `value` in postcard's encoding to `out` ([`Model::encode`]'s default). Into a
/// slice, which postcard writes directly, rather than extending `out` a byte at a time (that
/// was a fifth of a THP profile); the room doubles until the value fits.
pub(crate) fn encode_serde<T: Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) {
    let start = out.len();
    let mut room = 512;
    loop {
        out.resize(start + room, 0);
        match postcard::to_slice(value, &mut out[start..]) {
            Ok(written) => {
                let len = written.len();
                out.truncate(start + len);
                return;
            }
            Err(postcard::Error::SerializeBufferFull) => room *= 2,
            Err(e) => panic!("a state encodes: {e}"),
        }
    }
}

/// Checks one reached state: the invariants, then, if no thread can move, the end checks
/// (every thread finished) or deadlock (some thread blocked). Ok(true) means terminal.
pub fn check_state<M: Model>(model: &M, state: &M::State) -> Result<bool, Violation> {
    model.invariant(state)?;
    let mut blocked = Vec::new();
    for t in 0..model.thread_count() {
        match model.status(state, t) {
            Status::Enabled => return Ok(false),
            Status::Blocked => {
                blocked.push((model.thread_name(t), model.step_info(state, t).label))
            }
            Status::Finished => {}
        }
    }
    if blocked.is_empty() {
        model.end_check(state)?;
        Ok(true)
    } else {
        Err(Violation::deadlock(&blocked))
    }
}

/// The [`Model`] methods a wrapper of a model (`Bounded`, `OnlyChecks`, `Quotient`) passes to
/// the model it wraps unchanged: its threads' names, steps' descriptions, fields, locals,
/// checks, coverage and state labels. `$inner` turns the wrapper's state into the model's.
macro_rules! forward_to_model {
    (|$s:ident| $inner:expr) => {
        fn thread_count(&self) -> usize {
            self.model.thread_count()
        }
        fn thread_name(&self, thread: usize) -> &str {
            self.model.thread_name(thread)
        }
        fn step_info(&self, $s: &Self::State, thread: usize) -> $crate::model::StepInfo {
            self.model.step_info($inner, thread)
        }
        fn fields(&self, $s: &Self::State) -> Vec<$crate::describe::Field> {
            self.model.fields($inner)
        }
        fn locals(&self, $s: &Self::State, thread: usize) -> Vec<$crate::describe::Local> {
            self.model.locals($inner, thread)
        }
        fn checks(&self) -> Vec<&'static str> {
            self.model.checks()
        }
        fn coverage_points(&self, thread: usize) -> Vec<String> {
            self.model.coverage_points(thread)
        }
        fn coverage_is_program(&self) -> bool {
            self.model.coverage_is_program()
        }
        fn coverage_point(&self, $s: &Self::State, thread: usize) -> usize {
            self.model.coverage_point($inner, thread)
        }
        fn state_label(&self, $s: &Self::State, shared_only: bool) -> String {
            self.model.state_label($inner, shared_only)
        }
    };
}
pub(crate) use forward_to_model;

#[cfg(test)]
mod tests {
    use super::{encode_serde, Source, StepInfo};

    /// Values shorter and longer than the first room, appended after what `out` held, come
    /// out as postcard's own encoding.
    #[test]
    fn serde_encoding_appends_postcards_bytes_whatever_the_length() {
        for n in [0usize, 3, 500, 511, 512, 4000] {
            let value: Vec<u16> = (0..n as u16).map(|i| i.wrapping_mul(977)).collect();
            let mut out = vec![0xAB; 7];
            encode_serde(&value, &mut out);
            let mut expected = vec![0xAB; 7];
            expected.extend(postcard::to_allocvec(&value).unwrap());
            assert_eq!(out, expected, "{n} values");
        }
    }

    #[test]
    fn a_step_shows_its_note_in_brackets() {
        let mut info = StepInfo {
            label: "put_page(page)".into(),
            note: None,
            source: Source::new("f", "f.c", "v1"),
        };
        assert_eq!(info.to_string(), "put_page(page)");
        info.note = Some("identity recheck failed".into());
        assert_eq!(
            info.to_string(),
            "put_page(page)  [identity recheck failed]"
        );
    }

    /// Traces written before `version` was named so carry `commit`.
    #[test]
    fn a_source_reads_its_old_commit_field() {
        let s: Source =
            serde_json::from_str(r#"{"function":"f","file":"f.c","commit":"v4.18"}"#).unwrap();
        assert_eq!(s.version, "v4.18");
    }
}
