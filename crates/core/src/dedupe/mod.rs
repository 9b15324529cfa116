//! Duplicate detection over existing data (核对: duplicate cleanup).
//!
//! A scan has three steps, all plain functions over plain data:
//!
//! 1. Each stored [`Record`] becomes a compact [`Profile`]: width, case and
//!    traditional characters folded; phone numbers, e-mails and credit codes
//!    normalised to fingerprints; the name as characters, as pinyin (every
//!    reading of a polyphonic character) and as a bag of words; the company
//!    by its core (北京某某科技有限公司 = 某某科技（北京）有限公司 = 某某科技);
//!    the address by district, street and number.
//! 2. A [`Scanner`] puts profiles that share a blocking key (a mobile, an
//!    e-mail, a name with a company or a city, …) side by side and scores
//!    those pairs with [`compare`], keeping the ones above a threshold as
//!    [`Candidate`]s, each with a score and its [`Reason`]s.
//! 3. [`clusters`] joins linked pairs into [`Cluster`]s, respecting the
//!    pairs a user marked as [`NotDuplicates`].
//!
//! ```
//! use kehu_core::dedupe::{clusters, NotDuplicates, Profile, Record, Scanner};
//! use kehu_core::CustomerKind;
//!
//! let mut scanner = Scanner::new();
//! scanner.push(Profile::new(&Record {
//!     mobiles: &["+86 138-1234-5678"],
//!     ..Record::new(1, CustomerKind::Individual, "張偉")
//! }));
//! scanner.push(Profile::new(&Record {
//!     mobiles: &["13812345678"],
//!     ..Record::new(2, CustomerKind::Individual, "章伟")
//! }));
//! let groups = clusters(scanner.scan(), &NotDuplicates::new());
//! assert_eq!(groups[0].members, vec![1, 2]);
//! ```

mod address;
mod block;
mod cluster;
mod compare;
mod distance;
mod hash;
mod name;
mod person;
mod profile;
mod reason;

pub use block::{Progress, Scanner, BLOCK_CAP, WINDOW};
pub use cluster::{clusters, Candidate, Cluster, NotDuplicates};
pub use compare::{compare, Scored, DEFAULT_THRESHOLD, SATURATION};
pub use profile::{Profile, Record};
pub use reason::Reason;
