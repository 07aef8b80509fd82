/** Placeholder: this module's content is built by the storage/codec/plugin work (see README, "Status"). */
@SuppressWarnings("module") // "s3" ends in a digit; the name is the design card's
module io.pgrwl.plugins.s3 {
}
