//! Declaring a model's steps, each once: its name, its label, its kernel source, what it
//! touches and its effect, side by side. [`steps!`](crate::step::steps) turns the declarations
//! into the program-counter enum and the model's `step_info`, footprint and effect functions,
//! so that what a trace says a step is and what the search does cannot drift apart.
//!
//! ```text
//! steps! {
//!     /// A thread's next step.
//!     model PtFrag, state State, pc Pc;
//!
//!     /// `spin_lock(&mm->page_table_lock)` in `get_pte_from_cache`.
//!     CacheLock(m, s, t) {
//!         name: "spin_lock(&mm->page_table_lock)",
//!         source: m.frag_source("get_pte_from_cache", PGTABLE),
//!         footprint: Footprint::rw(LOCK),
//!         effect: {
//!             s.lock = Some(t as u8);
//!             s.threads[t].pc = Pc::CacheRead;
//!         },
//!     }
//! }
//! ```
//!
//! Each step binds the model, the state and the thread to the names it gives (`m`, `s`, `t`
//! above) in all of its parts; the state is shared in every part but the effect. The parts:
//! - `name`: the step's kernel expression without the state's particulars, for coverage;
//! - `label` (optional, the name by default): the expression with them (`put_page(page0)`);
//! - `note` (optional): an `Option<String>` the model adds (`identity recheck failed`);
//! - `source`: the [`Source`](weft_explorer::Source) it was read from;
//! - `footprint` (optional): what it reads and writes, for partial-order reduction. A step
//!   that declares none has the model's default footprint, named in the header
//!   (`model Thp, state State, pc Pc, footprint Thp::coarse;`, a function of the model, the
//!   state and the thread), or, with no default, everything: it conflicts with every other;
//! - `effect`: a block that changes the state and moves the thread on; it may return a
//!   [`Violation`](weft_explorer::Violation) (`return Err(...)` or `?`).
//!
//! A final variant, `Done`, is added: the thread has run all its operations.

/// See the [module documentation](self).
macro_rules! steps {
    (
        $(#[$enum_meta:meta])*
        model $Model:ty, state $State:ty, pc $Pc:ident;
        $($steps:tt)*
    ) => {
        $crate::step::steps! {
            $(#[$enum_meta])*
            model $Model, state $State, pc $Pc, footprint $crate::step::everything;
            $($steps)*
        }
    };
    (
        $(#[$enum_meta:meta])*
        model $Model:ty, state $State:ty, pc $Pc:ident, footprint $default:path;
        $(
            $(#[$meta:meta])*
            $Step:ident($m:ident, $s:ident, $t:ident) {
                name: $name:expr,
                $(label: $label:expr,)?
                $(note: $note:expr,)?
                source: $source:expr,
                $(footprint: $footprint:expr,)?
                effect: $effect:block $(,)?
            }
        )*
    ) => {
        $(#[$enum_meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
            strum::FromRepr,
        )]
        #[repr(u8)]
        pub enum $Pc {
            $($(#[$meta])* $Step,)*
            /// The thread has run all its operations.
            Done,
        }

        #[allow(dead_code)]
        impl $Pc {
            /// Every step, in declaration order (the discriminant order), then `Done`.
            pub const ALL: [$Pc; [$($Pc::$Step,)* $Pc::Done].len()] = [$($Pc::$Step,)* $Pc::Done];

            /// The step's name in the model (`HugeWpLock`), which tells its path apart.
            pub fn ident(self) -> &'static str {
                match self {
                    $($Pc::$Step => stringify!($Step),)*
                    $Pc::Done => "Done",
                }
            }

            /// The step's kernel expression, without the variant's or the state's particulars.
            pub fn name(self) -> &'static str {
                match self {
                    $($Pc::$Step => $name,)*
                    $Pc::Done => "(finished)",
                }
            }
        }

        impl $Model {
            /// What the step `pc` of thread `t` in `s` is: its label, note and source.
            #[allow(unused_variables)]
            pub(super) fn info_of(&self, s: &$State, t: usize, pc: $Pc) -> weft_explorer::StepInfo {
                match pc {
                    $($Pc::$Step => {
                        let ($m, $s, $t) = (self, s, t);
                        weft_explorer::StepInfo {
                            label: $crate::step::steps!(@label $name $(, $label)?),
                            note: $crate::step::steps!(@note $($note)?),
                            source: $source,
                        }
                    })*
                    $Pc::Done => weft_explorer::StepInfo {
                        label: "(finished)".into(),
                        note: None,
                        source: weft_explorer::Source::default(),
                    },
                }
            }

            /// What the step `pc` of thread `t` in `s` reads and writes.
            #[allow(unused_variables, dead_code)]
            pub(super) fn footprint_of(&self, s: &$State, t: usize, pc: $Pc) -> weft_explorer::Footprint {
                match pc {
                    $($Pc::$Step => {
                        let ($m, $s, $t) = (self, s, t);
                        $crate::step::steps!(@footprint [$default] $m $s $t $($footprint)?)
                    })*
                    $Pc::Done => weft_explorer::Footprint::default(),
                }
            }

            /// Runs the step `pc` of thread `t` in `s`.
            #[allow(unused_variables)]
            #[inline]
            pub(super) fn effect_of(
                &self,
                s: &mut $State,
                t: usize,
                pc: $Pc,
            ) -> Result<(), weft_explorer::Violation> {
                match pc {
                    $($Pc::$Step => {
                        let ($m, $s, $t) = (self, s, t);
                        $effect
                    })*
                    $Pc::Done => unreachable!("a finished thread does not step"),
                }
                Ok(())
            }
        }
    };
    (@label $name:expr) => { ($name).to_string() };
    (@label $name:expr, $label:expr) => { $label };
    (@note) => { None };
    (@note $note:expr) => { $note };
    (@footprint [$default:path] $m:ident $s:ident $t:ident) => { $default($m, $s, $t) };
    (@footprint [$default:path] $m:ident $s:ident $t:ident $footprint:expr) => { $footprint };
}

pub(crate) use steps;

/// The default footprint of a step in a model that names none: everything, read and written.
/// (Every pt_frag step declares its own, so no model calls it today.)
#[allow(dead_code)]
pub(crate) fn everything<M, S>(_: &M, _: &S, _: usize) -> weft_explorer::Footprint {
    weft_explorer::Footprint::ALL
}
