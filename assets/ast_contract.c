/* Native instruments seen from contracts: the precompile at 0x…0100, the compliance
 * contracts instruments name (contract.attach) and the transfer hook that consults them,
 * registered into the VM (ldg_vm_precompile_register). specs/vm_ledger.md §4-5 gives the
 * Solidity interface. */
#include "ast_contract.h"
#include "ast_asset.h"
#include "ldg_codec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Gas of the precompile's functions: a balance read costs what a cold SLOAD costs; a
 * transfer what two cold SSTOREs of fresh slots cost, the order of a token transfer. */
#define GAS_READ 2100
#define GAS_TRANSFER 25000
/* Nesting left to a compliance call: bounds the C recursion when a transfer made from a
 * deep contract frame runs the hook (a new top-level call). */
#define HOOK_DEPTH_MAX 64

static bool word_address(const uint8_t *w, ldg_account *a)
{
    for (int i = 0; i < 12; i++)
        if (w[i])
            return false;
    memcpy(a->b, w + 12, 20);
    return true;
}

/* ---- the precompile ---- */

static ldg_evm_result revert_with(int64_t gas_left, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static ldg_evm_result revert_with(int64_t gas_left, const char *fmt, ...)
{
    char text[LDG_TEXT_LEN_MAX + 1];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    ldg_evm_result r = {.status = LDG_EVM_REVERT, .gas_left = gas_left};
    r.output_data = ldg_vm_abi_error(text, &r.output_size);
    return r;
}

static ldg_evm_result return_words(int64_t gas_left, const uint8_t *words, size_t count)
{
    ldg_evm_result r = {.status = LDG_EVM_SUCCESS, .gas_left = gas_left};
    r.output_size = 32 * count;
    r.output_data = malloc(r.output_size);
    LDG_ASSERT(r.output_data);
    memcpy(r.output_data, words, r.output_size);
    return r;
}

/* The instrument id argument (string, at most 12 bytes). */
static bool id_arg(const uint8_t *args, size_t n, char id[AST_ID_LEN + 1])
{
    size_t len;
    const uint8_t *p = ldg_vm_abi_bytes_arg(args, n, 0, AST_ID_LEN, &len);
    if (!p || len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (p[i] < 0x21 || p[i] > 0x7e)
            return false;
    memcpy(id, p, len);
    id[len] = '\0';
    return true;
}

static ldg_evm_result p_balance(ldg_vm_frame *f, const uint8_t *args, size_t n, int64_t gas)
{
    char id[AST_ID_LEN + 1];
    ldg_account a;
    if (!id_arg(args, n, id) || n < 64 || !word_address(args + 32, &a))
        return revert_with(gas, "balanceOf(string,address): malformed arguments");
    ldg_state *st = ldg_vm_frame_txctx(f)->st;
    ast_asset ins;
    bool found;
    uint64_t q = 0;
    if (ast_asset_get(st, id, &ins, &found) != LDG_OK ||
        (found && ast_balance_get(st, id, &a, &q) != LDG_OK)) {
        ldg_vm_frame_store_failed(f);
        return (ldg_evm_result){.status = LDG_EVM_INTERNAL_ERROR};
    }
    if (!found)
        return revert_with(gas, "unknown instrument %s", id);
    uint8_t w[32];
    ldg_vm_abi_put_u64(w, q);
    return return_words(gas, w, 1);
}

static ldg_evm_result p_instrument(ldg_vm_frame *f, const uint8_t *args, size_t n, int64_t gas)
{
    char id[AST_ID_LEN + 1];
    if (!id_arg(args, n, id))
        return revert_with(gas, "instrument(string): malformed arguments");
    ldg_state *st = ldg_vm_frame_txctx(f)->st;
    ast_asset ins;
    bool found;
    uint64_t holders = 0;
    if (ast_asset_get(st, id, &ins, &found) != LDG_OK ||
        (found && ast_holders_get(st, id, &holders) != LDG_OK)) {
        ldg_vm_frame_store_failed(f);
        return (ldg_evm_result){.status = LDG_EVM_INTERNAL_ERROR};
    }
    if (!found)
        return revert_with(gas, "unknown instrument %s", id);
    uint8_t w[5 * 32] = {0};
    ldg_vm_abi_put_u64(w, ins.kind);
    memcpy(w + 32 + 12, ins.issuer.b, 20);
    ldg_vm_abi_put_u64(w + 64, ins.supply);
    ldg_vm_abi_put_u64(w + 96, ins.scale);
    ldg_vm_abi_put_u64(w + 128, holders);
    return return_words(gas, w, 5);
}

static ldg_evm_result p_compliance(ldg_vm_frame *f, const uint8_t *args, size_t n, int64_t gas)
{
    char id[AST_ID_LEN + 1];
    if (!id_arg(args, n, id))
        return revert_with(gas, "complianceOf(string): malformed arguments");
    ldg_evm_address a = {{0}};
    bool found;
    if (ast_compliance_get(ldg_vm_frame_txctx(f)->st, id, &a, &found) != LDG_OK) {
        ldg_vm_frame_store_failed(f);
        return (ldg_evm_result){.status = LDG_EVM_INTERNAL_ERROR};
    }
    uint8_t w[32] = {0};
    memcpy(w + 12, a.bytes, 20);
    return return_words(gas, w, 1);
}

/* transfer(string id, address to, uint256 qty): moves the caller's holding through the
 * same function as a native transfer (rules, controls, compliance hooks). */
static ldg_evm_result p_transfer(ldg_vm_frame *f, const ldg_evm_message *msg, const uint8_t *args,
                                 size_t n, int64_t gas)
{
    char id[AST_ID_LEN + 1];
    ldg_account to, from;
    uint64_t qty;
    if (!id_arg(args, n, id) || n < 96 || !word_address(args + 32, &to) ||
        !ldg_vm_abi_u64(args + 64, &qty))
        return revert_with(gas, "transfer(string,address,uint256): malformed arguments");
    if (msg->flags & LDG_EVM_STATIC)
        return (ldg_evm_result){.status = LDG_EVM_STATIC_MODE_VIOLATION};
    if (msg->kind != LDG_EVM_CALL) /* DELEGATECALL/CALLCODE would move someone else's */
        return revert_with(gas, "transfer must be called with CALL");
    memcpy(from.b, msg->sender.bytes, 20);
    ldg_txctx *c = ldg_vm_frame_txctx(f);
    char saved[sizeof c->detail];
    memcpy(saved, c->detail, sizeof saved);
    c->detail[0] = '\0';
    ldg_result r = ast_move(c, id, &from, &to, qty);
    if (r == LDG_R_STORE_FAILED) {
        ldg_vm_frame_store_failed(f);
        return (ldg_evm_result){.status = LDG_EVM_INTERNAL_ERROR};
    }
    if (r != LDG_R_OK) {
        char why[LDG_TEXT_LEN_MAX + 1];
        snprintf(why, sizeof why, "%s", c->detail[0] ? c->detail : ldg_result_text(r));
        ldg_vm_frame_refused(f, r);
        /* keep the refusal's detail for the receipt if the transaction ends on it */
        return revert_with(gas, "%s: %s", ldg_result_name(r), why);
    }
    memcpy(c->detail, saved, sizeof saved);
    ldg_vm_frame_native_moved(f);
    uint8_t w[32];
    ldg_vm_abi_put_u64(w, 1);
    return return_words(gas, w, 1);
}

/* The precompile at AST_CONTRACT_PRECOMPILE (ldg_vm_precompile_fn). */
static ldg_evm_result instrument_precompile(ldg_vm_frame *f, const ldg_evm_message *msg)
{
    ldg_evm_result out;
    if (msg->input_size < 4)
        return revert_with(msg->gas, "no function selector");
    uint8_t sel[4];
    const uint8_t *args = msg->input_data + 4;
    size_t n = msg->input_size - 4;
    bool is_transfer = (ldg_vm_abi_selector(sel, "transfer(string,address,uint256)"),
                        !memcmp(sel, msg->input_data, 4));
    int64_t cost = is_transfer ? GAS_TRANSFER : GAS_READ;
    if (msg->gas < cost)
        return (ldg_evm_result){.status = LDG_EVM_OUT_OF_GAS};
    int64_t left = msg->gas - cost;
    if (is_transfer) {
        out = p_transfer(f, msg, args, n, left);
    } else if (ldg_vm_abi_selector(sel, "balanceOf(string,address)"),
               !memcmp(sel, msg->input_data, 4)) {
        out = p_balance(f, args, n, left);
    } else if (ldg_vm_abi_selector(sel, "instrument(string)"), !memcmp(sel, msg->input_data, 4)) {
        out = p_instrument(f, args, n, left);
    } else if (ldg_vm_abi_selector(sel, "complianceOf(string)"), !memcmp(sel, msg->input_data, 4)) {
        out = p_compliance(f, args, n, left);
    } else {
        out = revert_with(left, "unknown function 0x%02x%02x%02x%02x", msg->input_data[0],
                          msg->input_data[1], msg->input_data[2], msg->input_data[3]);
    }
    return out;
}

/* ---- compliance contracts ---- */

static void key_compliance(uint8_t k[2 + AST_ID_LEN], const char *id)
{
    memset(k, 0, 2 + AST_ID_LEN);
    k[0] = LDG_VM_KEY_NS;
    k[1] = 'k';
    size_t l = strlen(id);
    memcpy(k + 2, id, l > AST_ID_LEN ? AST_ID_LEN : l);
}

ldg_err ast_compliance_get(ldg_state *st, const char *id, ldg_evm_address *out, bool *found)
{
    uint8_t k[2 + AST_ID_LEN];
    key_compliance(k, id);
    const uint8_t *v;
    size_t vl;
    ldg_err err = ldg_state_get(st, k, sizeof k, &v, &vl, found);
    if (err != LDG_OK || !*found)
        return err;
    if (vl != 20)
        return LDG_ERR_CORRUPT;
    memcpy(out->bytes, v, 20);
    return LDG_OK;
}

static void addr_hex(char out[43], const uint8_t *a)
{
    out[0] = '0';
    out[1] = 'x';
    for (int i = 0; i < 20; i++)
        snprintf(out + 2 + 2 * i, 3, "%02x", a[i]);
}

/* contract.attach [id, contract]: the issuer names (or, with the zero address, removes)
 * the instrument's compliance contract. */
static ldg_result tx_attach(ldg_txctx *c, const msgpack_object *payload)
{
    const msgpack_object *it;
    char id[AST_ID_LEN + 1];
    ldg_evm_address a;
    if (!ldg_obj_array(payload, 2, &it) || !ldg_obj_str(&it[0], id, AST_ID_LEN, false) ||
        !ldg_obj_bin(&it[1], a.bytes, 20))
        return LDG_R_BAD_PAYLOAD;
    ast_asset ins;
    bool found;
    if (ast_asset_get(c->st, id, &ins, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!found) {
        ldg_txctx_detail(c, "no instrument %s", id);
        return LDG_VM_R_UNKNOWN_ASSET;
    }
    if (memcmp(ins.issuer.b, c->sender.b, LDG_ACCOUNT_LEN) != 0) {
        ldg_txctx_detail(c, "%s is issued by another participant", id);
        return LDG_VM_R_NOT_ISSUER;
    }
    uint8_t k[2 + AST_ID_LEN];
    key_compliance(k, id);
    static const uint8_t zero[20];
    char hex[43];
    addr_hex(hex, a.bytes);
    if (!memcmp(a.bytes, zero, 20)) {
        ldg_state_del(c->st, k, sizeof k);
        ldg_txctx_detail(c, "%s has no compliance contract now", id);
        return LDG_R_OK;
    }
    bool has;
    uint64_t nonce;
    uint8_t *code;
    size_t code_size;
    if (ldg_vm_account_get(c->st, &a, &has, &nonce, &code, &code_size) != LDG_OK)
        return LDG_R_STORE_FAILED;
    free(code);
    if (code_size == 0) {
        ldg_txctx_detail(c, "no contract at %s", hex);
        return LDG_VM_R_NO_CONTRACT;
    }
    ldg_state_put(c->st, k, sizeof k, a.bytes, 20);
    ldg_txctx_detail(c, "%s transfers now need canTransfer() of %s", id, hex);
    memcpy(c->data, a.bytes, 20);
    c->data_len = 20;
    return LDG_R_OK;
}

/* The transfer hook: canTransfer(from, to, qty) of the instrument's compliance contract,
 * a static call with LDG_VM_HOOK_GAS_MAX gas from the precompile's address. Anything but a
 * non-zero 32-byte answer refuses (fail closed). */
static ldg_result transfer_hook(ldg_txctx *c, const char *instrument, const ldg_account *from,
                                const ldg_account *to, uint64_t quantity)
{
    ldg_evm_address contract;
    bool found;
    if (ast_compliance_get(c->st, instrument, &contract, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!found)
        return LDG_R_OK;
    uint8_t input[4 + 96] = {0};
    ldg_vm_abi_selector(input, "canTransfer(address,address,uint256)");
    memcpy(input + 4 + 12, from->b, 20);
    memcpy(input + 4 + 32 + 12, to->b, 20);
    ldg_vm_abi_put_u64(input + 4 + 64, quantity);
    ldg_evm_message m = {.kind = LDG_EVM_CALL,
                         .flags = LDG_EVM_STATIC,
                         .depth = LDG_EVM_CALL_DEPTH_MAX - HOOK_DEPTH_MAX,
                         .gas = LDG_VM_HOOK_GAS_MAX,
                         .recipient = contract,
                         .code_address = contract,
                         .input_data = input,
                         .input_size = sizeof input};
    m.sender.bytes[18] = AST_CONTRACT_PRECOMPILE >> 8;
    m.sender.bytes[19] = AST_CONTRACT_PRECOMPILE & 0xff;
    ldg_evm_result r;
    if (ldg_vm_hook_call(c, &m, &r) != LDG_OK)
        return LDG_R_STORE_FAILED;
    bool ok = r.status == LDG_EVM_SUCCESS && r.output_size >= 32;
    bool yes = false;
    for (size_t i = 0; ok && i < 32; i++)
        yes |= r.output_data[i] != 0;
    if (!yes) {
        char hex[43], why[160];
        addr_hex(hex, contract.bytes);
        if (r.status == LDG_EVM_REVERT)
            ldg_vm_revert_reason(why, sizeof why, r.output_data, r.output_size);
        else if (r.status != LDG_EVM_SUCCESS)
            snprintf(why, sizeof why, "%s", ldg_evm_status_name(r.status));
        else
            snprintf(why, sizeof why, "canTransfer returned false");
        ldg_txctx_detail(c, "compliance contract %s refused %llu %s: %s", hex,
                         (unsigned long long)quantity, instrument, why);
    }
    ldg_evm_result_release(&r);
    return yes ? LDG_R_OK : LDG_VM_R_COMPLIANCE;
}

static const ldg_tx_type contract_tx_types[] = {
    {AST_TX_CONTRACT_ATTACH, "contract.attach", LDG_ROLE_ISSUER | LDG_ROLE_SETTLEMENT_BANK,
     tx_attach},
};

void ast_contract_register(ldg_registry *r)
{
    ldg_vm_precompile_register(AST_CONTRACT_PRECOMPILE, instrument_precompile);
    ldg_registry_add_tx(r, &contract_tx_types[0]);
    ldg_registry_add_transfer_hook(r, transfer_hook);
}
