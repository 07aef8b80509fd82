/** Placeholder: this module's content is built by the storage/codec/plugin work (see README, "Status"). */
module io.pgrwl.plugins.crypto {
}
