/* Decoder of the offline LSM input document (the format of `folio lsm solve` and of the
 * stored benchmark instances) into a stl_lsm_problem:
 *
 *   {"balances": {"A": {"CNY": 3}, ...},
 *    "instructions": [{"id": "p1", "legs": [{"from": "A", "to": "B", "asset": "CNY",
 *                                            "amount": 5}, ...]}, ...]}
 *
 * Participants are the keys of "balances"; assets are the asset keys found under any of
 * them; a (participant, asset) pair without an entry has balance 0. Amounts and balances
 * are JSON integers from 0 to STL_AMOUNT_MAX (1.5, "5", -1, 1e3 are rejected). Unknown
 * fields, unknown participants or assets, duplicate keys or ids, empty names and sizes over
 * the limits are rejected with one precise sentence. Decoding allocates (it is for the
 * CLI, tests and benchmarks, not for block application). */
#ifndef STL_LSM_JSON_H
#define STL_LSM_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "ldg_err.h"
#include "stl_lsm.h"

/* Longest participant, asset or instruction id name, in bytes. */
#define STL_LSM_JSON_NAME_LEN_MAX 64

typedef struct stl_lsm_doc {
    char **participants; /* sorted (strcmp); [participant_count] */
    uint32_t participant_count;
    char **assets; /* sorted (strcmp); [asset_count] */
    uint32_t asset_count;
    /* Accounts sorted by (participant, asset): the problem's account indices. */
    uint32_t *account_participant, *account_asset;
    uint64_t *balances;
    uint32_t account_count;
    /* Instructions sorted by id (strcmp), so the solution does not depend on queue order. */
    char **ids;
    stl_lsm_instr *instrs; /* .id = position in the input array */
    uint32_t instr_count;
    stl_lsm_leg *legs;
    uint32_t leg_count;
    stl_lsm_problem problem; /* points into this document; work_limit 0 (default) */
} stl_lsm_doc;

/* Decodes text[0..len). Returns LDG_OK and fills *doc (free it with stl_lsm_doc_free), or
 * LDG_ERR_DECODE (not JSON), LDG_ERR_INVALID (JSON but not a valid document),
 * LDG_ERR_TOO_LARGE (over a limit) or LDG_ERR_NOMEM, with a sentence in err (always
 * NUL-terminated) and *doc zeroed. */
ldg_err stl_lsm_doc_parse(stl_lsm_doc *doc, char *err, size_t err_len, const char *text, size_t len)
    __attribute__((warn_unused_result));

/* Frees what stl_lsm_doc_parse allocated; the zeroed or freed document may be freed again. */
void stl_lsm_doc_free(stl_lsm_doc *doc);

#endif
