package io.pgrwl.spi;

import java.util.Objects;

/**
 * One key a provider reads from its configuration section, declared so that pgrwl's loader knows it: it checks the
 * value's type, refuses keys no provider declares, lets the environment variable
 * {@code PGRWL_<SECTION>_<KEY>} (e.g. {@code PGRWL_STORAGE_S3_BUCKET}) override it, and masks it everywhere when it is
 * secret. A plugin adds an option by declaring it; nothing in pgrwl's core changes. Immutable.
 *
 * @param key the key inside the section, e.g. {@code bucket}; lower case, digits and {@code _}; not null
 * @param type how the value is checked before the provider sees it (the provider still gets text); not null
 * @param secret whether the value is a secret (password, key, token): never logged, shown or put in a document
 */
public record Setting(String key, Type type, boolean secret) {

    /** How a value is checked. */
    public enum Type {
        /** Any text. */
        STRING,
        /** A whole number. */
        INT,
        /** {@code true} or {@code false}. */
        BOOL,
        /** A Go-style duration: {@code 500ms}, {@code 10s}, {@code 1h30m}, {@code 7d}. */
        DURATION;

        /**
         * Checks a value with the parser {@link PluginConfig} reads it with ({@link ConfigValues}), so a value the
         * loader accepts is one the provider can read.
         *
         * @param value the text of the value; not null
         * @throws IllegalArgumentException quoting the value but not the key, e.g.
         *     {@code "ten" is not a whole number}; the caller puts the key in front
         */
        public void check(String value) {
            switch (this) {
                case STRING -> java.util.Objects.requireNonNull(value, "value");
                case INT -> ConfigValues.parseWholeNumber(value);
                case BOOL -> ConfigValues.parseBool(value);
                case DURATION -> ConfigValues.parseDuration(value);
            }
        }
    }

    public Setting {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(type, "type");
        if (!key.matches("[a-z0-9_]+")) {
            throw new IllegalArgumentException("setting key \"" + key + "\": use lower case letters, digits and _");
        }
    }

    /** @return a setting of type {@code type} that is not secret */
    public static Setting of(String key, Type type) {
        return new Setting(key, type, false);
    }

    /** @return a secret text setting */
    public static Setting secret(String key) {
        return new Setting(key, Type.STRING, true);
    }
}
