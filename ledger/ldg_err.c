#include "ldg_err.h"

static const struct {
    const char *name;
    const char *text;
} err_table[] = {
    [LDG_OK] = {"OK", "success"},
    [LDG_ERR_NOMEM] = {"NOMEM", "out of memory"},
    [LDG_ERR_IO] = {"IO", "input/output error"},
    [LDG_ERR_CORRUPT] = {"CORRUPT", "stored data is corrupt"},
    [LDG_ERR_DECODE] = {"DECODE", "bytes are not a valid canonical encoding"},
    [LDG_ERR_TOO_LARGE] = {"TOO_LARGE", "input exceeds a size limit"},
    [LDG_ERR_NOT_FOUND] = {"NOT_FOUND", "not found"},
    [LDG_ERR_EXISTS] = {"EXISTS", "already exists"},
    [LDG_ERR_INVALID] = {"INVALID", "invalid argument"},
    [LDG_ERR_CRYPTO] = {"CRYPTO", "key or signature operation failed"},
    [LDG_ERR_STOPPED] = {"STOPPED", "store stopped after a fatal error"},
    [LDG_ERR_PROTOCOL] = {"PROTOCOL", "protocol violation"},
    [LDG_ERR_TIMEOUT] = {"TIMEOUT", "timed out"},
    [LDG_ERR_UNAVAILABLE] = {"UNAVAILABLE", "service unavailable"},
    [LDG_ERR_DIVERGED] = {"DIVERGED", "state diverged from the chain"},
    [LDG_ERR_DENIED] = {"DENIED", "not permitted for this caller"},
    [LDG_ERR_TEXT] = {"TEXT", "a string is not valid UTF-8 (RFC 3629)"},
    [LDG_ERR_PRUNED] = {"PRUNED", "that height is older than the retained history"},
};

const char *ldg_err_str(ldg_err err)
{
    if ((unsigned)err >= sizeof err_table / sizeof err_table[0] || !err_table[err].text)
        return "unknown error";
    return err_table[err].text;
}

const char *ldg_err_name(ldg_err err)
{
    if ((unsigned)err >= sizeof err_table / sizeof err_table[0] || !err_table[err].name)
        return "UNKNOWN";
    return err_table[err].name;
}
