/* Business result codes: what a receipt says about a transaction. Numbers are stable
 * and listed in specs/errors.md. Ranges by module so that ledger knows nothing of
 * the codes of modules above it:
 *     0           OK
 *     1..199      ledger (envelope, signatures, roles, participants)
 *     200..399    assets
 *     400..599    settlement
 *     600..799    contract VM
 *     800..899    consensus / node
 *     900..949    governance committee (governance/)
 *     950..999    consensus / node
 * Each module registers its table once at start (ldg_result_register). */
#ifndef LDG_RESULT_H
#define LDG_RESULT_H

#include <stddef.h>
#include <stdint.h>

typedef uint16_t ldg_result;

typedef struct ldg_result_info {
    ldg_result code;
    const char *name; /* stable symbolic name, e.g. "INSUFFICIENT_BALANCE" */
    const char *text; /* one sentence for people */
} ldg_result_info;

enum {
    LDG_R_OK = 0,
    LDG_R_MALFORMED = 1,           /* bytes do not decode canonically */
    LDG_R_TOO_LARGE = 2,           /* encoded transaction over LDG_TX_SIZE_MAX */
    LDG_R_WRONG_CHAIN = 3,         /* chain id is not this chain's */
    LDG_R_BAD_SIGNATURE = 4,       /* Schnorr signature does not verify */
    LDG_R_EXPIRED = 5,             /* expiry is before the block time */
    LDG_R_EXPIRY_TOO_FAR = 6,      /* expiry beyond the TTL limit */
    LDG_R_REPLAY = 7,              /* transaction id already committed or pending */
    LDG_R_UNKNOWN_SENDER = 8,      /* sender is not a registered participant */
    LDG_R_UNAUTHORIZED = 9,        /* sender lacks the role the type requires */
    LDG_R_UNKNOWN_TYPE = 10,       /* no handler for the transaction type */
    LDG_R_BAD_PAYLOAD = 11,        /* payload fields out of their domain */
    LDG_R_NAME_TAKEN = 12,         /* participant name already registered */
    LDG_R_ALREADY_REGISTERED = 13, /* key already registered as a participant */
    LDG_R_BAD_ROLE = 14,           /* unknown role bit */
    LDG_R_BAD_KEY = 15,            /* public key is not a valid x-only key */
    LDG_R_UNKNOWN_ACCOUNT = 16,    /* recipient is not a registered participant */
    LDG_R_MEMPOOL_FULL = 17,       /* node is at its pending-transaction limit; retry */
    LDG_R_BAD_VERSION = 18,        /* unsupported envelope version */
    LDG_R_OVERFLOW = 19,           /* arithmetic would overflow */
    LDG_R_NOT_DEV_MODE = 20,       /* dev-only transaction on a node not in dev mode */
    LDG_R_STORE_FAILED = 21,       /* a state read failed or found corrupt data: never a receipt;
                                      the executor abandons the block with an ldg_err */
    LDG_R_BAD_TEXT = 22,           /* a string in the transaction is not UTF-8 (RFC 3629) */
    LDG_R_LEDGER_MAX = 199,
};

/* Registers a module's table; codes must be unique. Call before any thread starts. */
void ldg_result_register(const ldg_result_info *table, size_t count);
/* Never NULL: unknown codes give "UNKNOWN"/"unknown result code". */
const char *ldg_result_name(ldg_result code);
const char *ldg_result_text(ldg_result code);
/* Iterates over every registered code in numeric order (for `folio errors` and specs). */
size_t ldg_result_all(const ldg_result_info **out, size_t cap);

#endif
