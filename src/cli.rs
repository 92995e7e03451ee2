//! The command line (clap): accepts the extra `connleak` word cargo passes.
