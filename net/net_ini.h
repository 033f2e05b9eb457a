/* A strict INI reader for config.ini (specs/rpc.md "Configuration").
 *
 *   # comment            (also ';'; whole lines only)
 *   [section]            names of letters, digits and '_'
 *   key = value          value: the rest of the line, surrounding blanks removed
 *
 * Lines may be of any length (the text is parsed whole); CR LF is accepted. Anything else
 * -- a line that is none of these, a key before any section, a NUL byte -- fails with the
 * line number, as does whatever the callback refuses (unknown sections and keys). */
#ifndef NET_INI_H
#define NET_INI_H

#include "ldg_assert.h"
#include "ldg_err.h"

#include <stddef.h>

/* Called for each section header (key and value NULL) and each key; returns false with a
 * sentence in err (the line number is added). */
typedef _Bool (*net_ini_fn)(void *arg, const char *section, const char *key, const char *value,
                            char *err, size_t err_len);

ldg_err net_ini_parse(const char *text, size_t len, net_ini_fn fn, void *arg, char *err,
                      size_t err_len) LDG_WARN_UNUSED;

#endif
