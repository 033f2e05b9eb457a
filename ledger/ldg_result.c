#include "ldg_result.h"
#include "ldg_assert.h"

#include <stdlib.h>

/* Registered once per process at start, before threads, then read-only. */
#define RESULT_CODES_MAX 1000
static const ldg_result_info *result_by_code[RESULT_CODES_MAX];

static const ldg_result_info ledger_results[] = {
    {LDG_R_OK, "OK", "success"},
    {LDG_R_MALFORMED, "MALFORMED", "the transaction bytes are not a valid canonical encoding"},
    {LDG_R_TOO_LARGE, "TOO_LARGE", "the transaction is larger than the size limit"},
    {LDG_R_WRONG_CHAIN, "WRONG_CHAIN", "the transaction is for another chain id"},
    {LDG_R_BAD_SIGNATURE, "BAD_SIGNATURE", "the signature does not verify for the sender's key"},
    {LDG_R_EXPIRED, "EXPIRED", "the transaction expired before it could be included"},
    {LDG_R_EXPIRY_TOO_FAR, "EXPIRY_TOO_FAR", "the expiry is further ahead than the allowed TTL"},
    {LDG_R_REPLAY, "REPLAY", "this transaction was already submitted or committed"},
    {LDG_R_UNKNOWN_SENDER, "UNKNOWN_SENDER", "the sender is not a registered participant"},
    {LDG_R_UNAUTHORIZED, "UNAUTHORIZED",
     "the sender does not hold the role this transaction needs"},
    {LDG_R_UNKNOWN_TYPE, "UNKNOWN_TYPE", "unknown transaction type"},
    {LDG_R_BAD_PAYLOAD, "BAD_PAYLOAD", "the transaction's fields are out of range"},
    {LDG_R_NAME_TAKEN, "NAME_TAKEN", "a participant with this name is already registered"},
    {LDG_R_ALREADY_REGISTERED, "ALREADY_REGISTERED",
     "this key is already registered as a participant"},
    {LDG_R_BAD_ROLE, "BAD_ROLE", "unknown role"},
    {LDG_R_BAD_KEY, "BAD_KEY", "the public key is not a valid secp256k1 x-only key"},
    {LDG_R_UNKNOWN_ACCOUNT, "UNKNOWN_ACCOUNT", "the account is not a registered participant"},
    {LDG_R_MEMPOOL_FULL, "MEMPOOL_FULL", "the node has too many pending transactions; retry later"},
    {LDG_R_BAD_VERSION, "BAD_VERSION", "unsupported transaction version"},
    {LDG_R_OVERFLOW, "OVERFLOW", "the amount would overflow"},
    {LDG_R_STORE_FAILED, "STORE_FAILED",
     "the state store could not be read; the block is abandoned"},
    {LDG_R_BAD_TEXT, "BAD_TEXT",
     "a string in the transaction is not valid UTF-8 (RFC 3629: no overlong form, surrogate, "
     "code point above U+10FFFF or truncated sequence)"},
    {LDG_R_NOT_DEV_MODE, "NOT_DEV_MODE",
     "this transaction is only allowed on a node in development mode"},
};

static void register_ledger_once(void)
{
    if (!result_by_code[0])
        for (size_t i = 0; i < LDG_ARRAY_LEN(ledger_results); i++)
            result_by_code[ledger_results[i].code] = &ledger_results[i];
}

void ldg_result_register(const ldg_result_info *table, size_t count)
{
    register_ledger_once();
    for (size_t i = 0; i < count; i++) {
        LDG_ASSERT(table[i].code < RESULT_CODES_MAX);
        LDG_ASSERT(result_by_code[table[i].code] == NULL ||
                   result_by_code[table[i].code] == &table[i]);
        result_by_code[table[i].code] = &table[i];
    }
}

const char *ldg_result_name(ldg_result code)
{
    register_ledger_once();
    if (code < RESULT_CODES_MAX && result_by_code[code])
        return result_by_code[code]->name;
    return "UNKNOWN";
}

const char *ldg_result_text(ldg_result code)
{
    register_ledger_once();
    if (code < RESULT_CODES_MAX && result_by_code[code])
        return result_by_code[code]->text;
    return "unknown result code";
}

size_t ldg_result_all(const ldg_result_info **out, size_t cap)
{
    register_ledger_once();
    size_t n = 0;
    for (size_t c = 0; c < RESULT_CODES_MAX && n < cap; c++)
        if (result_by_code[c])
            out[n++] = result_by_code[c];
    return n;
}
