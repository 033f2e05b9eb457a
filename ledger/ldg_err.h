/* Operating errors (I/O, corrupt data, limits, protocol): one enum, numbers stable,
 * with ldg_err_str(). Business rejections are not here: they are receipt result codes
 * (ldg_result.h). */
#ifndef LDG_ERR_H
#define LDG_ERR_H

typedef enum ldg_err {
    LDG_OK = 0,
    LDG_ERR_NOMEM = 1,        /* allocation failed */
    LDG_ERR_IO = 2,           /* file or store I/O failed */
    LDG_ERR_CORRUPT = 3,      /* stored data does not decode or does not match its hash */
    LDG_ERR_DECODE = 4,       /* bytes are not a valid canonical encoding */
    LDG_ERR_TOO_LARGE = 5,    /* input exceeds a limit of ldg_limits.h */
    LDG_ERR_NOT_FOUND = 6,    /* no such key, block, transaction */
    LDG_ERR_EXISTS = 7,       /* already exists */
    LDG_ERR_INVALID = 8,      /* argument or value out of its domain */
    LDG_ERR_CRYPTO = 9,       /* key or signature operation failed */
    LDG_ERR_STOPPED = 10,     /* the store hit a fatal error earlier and refuses writes */
    LDG_ERR_PROTOCOL = 11,    /* peer or client broke the protocol */
    LDG_ERR_TIMEOUT = 12,     /* operation timed out */
    LDG_ERR_UNAVAILABLE = 13, /* service not running or not reachable */
    LDG_ERR_DIVERGED = 14,    /* a replica computed a different state root: stop */
    LDG_ERR_DENIED = 15,      /* the caller may not call this (operator-only method) */
    LDG_ERR_TEXT = 16,        /* a string is not UTF-8 (RFC 3629) */
    LDG_ERR_PRUNED = 17,      /* past state below the retention window (state.md §5.6) */
} ldg_err;

const char *ldg_err_str(ldg_err err);
const char *ldg_err_name(ldg_err err);

#endif
