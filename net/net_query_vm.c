/* Contract VM for the node: its registration (the VM, then assets' native-instrument
 * precompile, contract.attach and compliance hook), and the read methods:
 *   contract_query  [from, to, input bin, gas]  a call on the committed state, thrown away
 *   contract_result [txid hex]                  the stored result of a contract transaction
 *   contract_info   [address hex]               nonce, code size and hash */
#include "net_query_vm.h"
#include "ast_asset.h"
#include "ast_contract.h"
#include "ldg_chain.h"
#include "ldg_keccak.h"
#include "ldg_vm_ledger.h"

#include "net_reply.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void net_vm_register(ldg_registry *r)
{
    ldg_vm_register(r);
    ast_contract_register(r);
}

/* ---- RPC ---- */

/* Never NULL, whatever the message echoes (net_reply.h). */
#define vm_error net_reply_error

static char *vm_dump(json_t *j, int *status)
{
    return net_reply_dump(j, JSON_COMPACT, status);
}

static json_t *hex0x(const uint8_t *b, size_t n)
{
    char *s = malloc(2 * n + 3);
    LDG_ASSERT(s);
    s[0] = '0';
    s[1] = 'x';
    s[2] = '\0';
    for (size_t i = 0; i < n; i++)
        snprintf(s + 2 + 2 * i, 3, "%02x", b[i]);
    json_t *j = json_string(s);
    free(s);
    return j;
}

static json_t *outcome_json(const ldg_vm_outcome *o)
{
    json_t *logs = json_array();
    for (size_t i = 0; i < o->log_count; i++) {
        const ldg_vm_log *l = &o->logs[i];
        json_t *topics = json_array();
        for (size_t t = 0; t < l->topics_count; t++)
            json_array_append_new(topics, hex0x(l->topics[t].bytes, 32));
        json_array_append_new(logs,
                              json_pack("{s:o,s:o,s:o}", "address", hex0x(l->addr.bytes, 20),
                                        "topics", topics, "data", hex0x(l->data, l->data_size)));
    }
    char reason[LDG_TEXT_LEN_MAX + 1] = "";
    if (o->status == LDG_EVM_REVERT)
        ldg_vm_revert_reason(reason, sizeof reason, o->output, o->output_size);
    json_t *j = json_pack("{s:s,s:I,s:o,s:o}", "status", ldg_evm_status_name(o->status), "gas_used",
                          (json_int_t)o->gas_used, "output", hex0x(o->output, o->output_size),
                          "logs", logs);
    if (o->created)
        json_object_set_new(j, "contract", hex0x(o->create_address.bytes, 20));
    if (reason[0] || o->reason[0]) { /* a revert reason is the contract's bytes */
        const char *why = o->reason[0] ? o->reason : reason;
        json_object_set_new(j, "reason", net_json_text(why, strlen(why)));
    }
    return j;
}

static int nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 32);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static bool parse_hex(const char *s, uint8_t *out, size_t n)
{
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    if (strlen(s) != 2 * n)
        return false;
    for (size_t i = 0; i < n; i++) {
        int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

static bool arg_hex(const msgpack_object *o, uint8_t *out, size_t n)
{
    char s[80];
    if (o->type == MSGPACK_OBJECT_BIN)
        return ldg_obj_bin(o, out, n);
    return ldg_obj_str(o, s, sizeof s - 1, false) && parse_hex(s, out, n);
}

/* [from bin20|hex, to bin20|hex, input bin, gas u64] */
static char *m_query(net_node *n, const msgpack_object *args, uint32_t nargs, int *status)
{
    ldg_account from;
    ldg_evm_address to;
    const uint8_t *input;
    size_t input_size;
    uint64_t gas;
    if (nargs != 4 || !arg_hex(&args[0], from.b, 20) || !arg_hex(&args[1], to.bytes, 20) ||
        !ldg_obj_bin_ref(&args[2], LDG_TX_SIZE_MAX, &input, &input_size) ||
        !ldg_obj_u64(&args[3], &gas) || gas > LDG_VM_TX_GAS_MAX)
        return vm_error(status, LDG_ERR_INVALID,
                        "contract_query takes [from, to, input, gas <= %d]", LDG_VM_TX_GAS_MAX);
    ldg_tip tip = ldg_chain_tip(n->chain);
    ldg_env env = {.chain_id = ldg_chain_id(n->chain),
                   .height = tip.height,
                   .time_ms = tip.time_ms,
                   .dev_mode = n->dev};
    ldg_state *st = ldg_chain_reader(n->chain);
    uint8_t *code;
    size_t code_size;
    bool found;
    uint64_t nonce;
    if (ldg_vm_account_get(st, &to, &found, &nonce, &code, &code_size) != LDG_OK) {
        ldg_state_free(st);
        return vm_error(status, LDG_ERR_IO, "cannot read the account");
    }
    free(code);
    /* Ethereum's precompiles 0x01..0x0a and folio's 0x100..0x1ff */
    bool precompile = !memcmp(to.bytes, (uint8_t[18]){0}, 18) &&
                      ((to.bytes[18] == 0 && to.bytes[19] >= 1 && to.bytes[19] <= 0x0a) ||
                       to.bytes[18] == (AST_CONTRACT_PRECOMPILE >> 8));
    if (code_size == 0 && !precompile) {
        ldg_state_free(st);
        return vm_error(status, LDG_ERR_NOT_FOUND, "no contract at this address");
    }
    ldg_vm_outcome o;
    ldg_err err = ldg_vm_call(n->reg, st, &env, &from, &to, input, input_size, (int64_t)gas, &o);
    ldg_state_free(st); /* the call's writes are never committed */
    if (err != LDG_OK)
        return vm_error(status, err, "the store failed during the call");
    json_t *j = outcome_json(&o);
    json_object_set_new(j, "code", json_integer(o.code));
    json_object_set_new(j, "name", json_string(ldg_result_name(o.code)));
    json_object_set_new(j, "height", json_integer((json_int_t)tip.height));
    ldg_vm_outcome_free(&o);
    return vm_dump(j, status);
}

static char *m_result(net_node *n, const msgpack_object *args, uint32_t nargs, int *status)
{
    uint8_t id[32];
    if (nargs != 1 || !arg_hex(&args[0], id, 32))
        return vm_error(status, LDG_ERR_INVALID, "contract_result takes a transaction id (hex)");
    ldg_state *st = ldg_chain_reader(n->chain);
    ldg_vm_outcome o;
    ldg_err err = ldg_vm_result_get(st, id, &o);
    ldg_state_free(st);
    if (err == LDG_ERR_NOT_FOUND)
        return vm_error(status, err,
                        "no contract result for this transaction (not a contract transaction, "
                        "not committed, or it failed: see 'folio tx show')");
    if (err != LDG_OK)
        return vm_error(status, err, "cannot read the result");
    json_t *j = outcome_json(&o);
    json_object_set_new(j, "tx", hex0x(id, 32));
    ldg_vm_outcome_free(&o);
    return vm_dump(j, status);
}

static char *m_info(net_node *n, const msgpack_object *args, uint32_t nargs, int *status)
{
    ldg_evm_address a;
    if (nargs != 1 || !arg_hex(&args[0], a.bytes, 20))
        return vm_error(status, LDG_ERR_INVALID, "contract_info takes an address (hex)");
    ldg_state *st = ldg_chain_reader(n->chain);
    uint8_t *code;
    size_t code_size;
    bool found;
    uint64_t nonce;
    ldg_err err = ldg_vm_account_get(st, &a, &found, &nonce, &code, &code_size);
    ldg_state_free(st);
    if (err != LDG_OK)
        return vm_error(status, err, "cannot read the account");
    if (!found) {
        free(code);
        return vm_error(status, LDG_ERR_NOT_FOUND, "no account at this address");
    }
    uint8_t h[32];
    ldg_keccak256(h, code ? code : (const uint8_t *)"", code_size);
    json_t *j =
        json_pack("{s:o,s:I,s:I,s:o}", "address", hex0x(a.bytes, 20), "nonce", (json_int_t)nonce,
                  "code_size", (json_int_t)code_size, "code_hash", hex0x(h, 32));
    free(code);
    return vm_dump(j, status);
}

char *net_query_vm(net_node *n, const char *method, const msgpack_object *args, uint32_t nargs,
                   int *status)
{
    if (!strcmp(method, "contract_query"))
        return m_query(n, args, nargs, status);
    if (!strcmp(method, "contract_result"))
        return m_result(n, args, nargs, status);
    if (!strcmp(method, "contract_info"))
        return m_info(n, args, nargs, status);
    return vm_error(status, LDG_ERR_PROTOCOL, "unknown method '%s'", method);
}
