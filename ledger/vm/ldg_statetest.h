/* Runner for ethereum/tests GeneralStateTests fillers' output (the JSON "state tests"):
 * builds each test's pre-state in an ldg_evm_world, applies the transaction picked by
 * each post entry's indexes for one fork, and compares the state root and the logs hash.
 * Reads files (and directories, recursively, in name order); the interpreter does not.
 * Uses jansson: callers link it (the CLI and the tests do through folio_net). */
#ifndef LDG_STATETEST_H
#define LDG_STATETEST_H

#include <stdbool.h>
#include <stddef.h>

#include "ldg_assert.h"

#define LDG_STATETEST_FORK "Cancun"

/* One vector: a test name and one post entry. Strings are borrowed for the callback. */
typedef struct ldg_statetest_case {
    const char *file;
    const char *name;
    size_t post_index;
    size_t data_index, gas_index, value_index;
    bool passed;
    const char *detail; /* why it failed ("" when passed) */
    long long gas_used;
} ldg_statetest_case;

typedef void (*ldg_statetest_report_fn)(void *user, const ldg_statetest_case *c);

typedef struct ldg_statetest_totals {
    size_t passed;
    size_t failed;
} ldg_statetest_totals;

/* Runs all post entries of the fork (LDG_STATETEST_FORK) in a file or, for a directory,
 * in every *.json below it. report (may be NULL) is called once per vector; totals are
 * added to. Returns 0, or -1 if a file cannot be read or is not a state test, with a
 * sentence in err (the vectors run so far stay counted). */
int ldg_statetest_run_path(const char *path, ldg_statetest_report_fn report, void *user,
                           ldg_statetest_totals *totals, char *err, size_t err_len) LDG_WARN_UNUSED;

#endif
