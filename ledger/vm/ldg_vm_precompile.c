/* Precompiles of other modules (0x100..0x1ff): the registration table, what a registered
 * precompile may do with the running transaction, the read-only call modules' hooks use,
 * and ABI helpers. The native-instrument precompile itself is assets' (assets/
 * ast_contract.c); specs/vm_ledger.md §4-5. */
#include "ldg_keccak.h"
#include "ldg_vm_int.h"

#include <stdlib.h>
#include <string.h>

#define PRECOMPILE_SLOTS (LDG_VM_PRECOMPILE_LAST - LDG_VM_PRECOMPILE_FIRST + 1)

/* Process-wide: filled at start, before any thread runs, then only read. */
static ldg_vm_precompile_fn registered[PRECOMPILE_SLOTS];

void ldg_vm_precompile_register(uint16_t address, ldg_vm_precompile_fn fn)
{
    LDG_ASSERT(address >= LDG_VM_PRECOMPILE_FIRST && address <= LDG_VM_PRECOMPILE_LAST && fn);
    ldg_vm_precompile_fn *slot = &registered[address - LDG_VM_PRECOMPILE_FIRST];
    LDG_ASSERT(!*slot || *slot == fn);
    *slot = fn;
}

bool ldg_vm_is_native_precompile(const ldg_evm_address *a)
{
    for (int i = 0; i < 18; i++)
        if (a->bytes[i])
            return false;
    unsigned n = (unsigned)a->bytes[18] << 8 | a->bytes[19];
    return n >= LDG_VM_PRECOMPILE_FIRST && n <= LDG_VM_PRECOMPILE_LAST;
}

bool ldg_vm_native_precompile(vm_session *s, const ldg_evm_message *msg, ldg_evm_result *out)
{
    if (!ldg_vm_is_native_precompile(&msg->code_address))
        return false;
    unsigned n = (unsigned)msg->code_address.bytes[18] << 8 | msg->code_address.bytes[19];
    ldg_vm_precompile_fn fn = registered[n - LDG_VM_PRECOMPILE_FIRST];
    /* reserved, not assigned: like an unassigned Ethereum precompile */
    *out = fn ? fn(s, msg) : (ldg_evm_result){.status = LDG_EVM_PRECOMPILE_FAILURE};
    return true;
}

void ldg_vm_warm_registered(vm_session *s)
{
    for (unsigned i = 0; i < PRECOMPILE_SLOTS; i++) {
        if (!registered[i])
            continue;
        ldg_evm_address p = {{0}};
        p.bytes[18] = (uint8_t)((LDG_VM_PRECOMPILE_FIRST + i) >> 8);
        p.bytes[19] = (uint8_t)(LDG_VM_PRECOMPILE_FIRST + i);
        ldg_vm_warm_account(s, &p);
    }
}

ldg_txctx *ldg_vm_frame_txctx(ldg_vm_frame *f)
{
    return f->c;
}

void ldg_vm_frame_store_failed(ldg_vm_frame *f)
{
    f->store_failed = true;
}

void ldg_vm_frame_native_moved(ldg_vm_frame *f)
{
    f->native_moves++;
}

void ldg_vm_frame_refused(ldg_vm_frame *f, ldg_result r)
{
    f->native_refusal = r;
}

ldg_err ldg_vm_hook_call(ldg_txctx *c, const ldg_evm_message *msg, ldg_evm_result *out)
{
    vm_session s;
    ldg_vm_session_init(&s, c, &c->sender);
    *out = ldg_vm_session_run(&s, msg);
    bool store_failed = s.store_failed;
    ldg_vm_session_free(&s);
    if (!store_failed)
        return LDG_OK;
    ldg_evm_result_release(out);
    *out = (ldg_evm_result){.status = LDG_EVM_INTERNAL_ERROR};
    return LDG_ERR_IO;
}

/* ---- ABI ---- */

void ldg_vm_abi_selector(uint8_t out[4], const char *signature)
{
    uint8_t h[32];
    ldg_keccak256(h, (const uint8_t *)signature, strlen(signature));
    memcpy(out, h, 4);
}

bool ldg_vm_abi_u64(const uint8_t w[32], uint64_t *v)
{
    for (int i = 0; i < 24; i++)
        if (w[i])
            return false;
    uint64_t x = 0;
    for (int i = 24; i < 32; i++)
        x = (x << 8) | w[i];
    *v = x;
    return true;
}

void ldg_vm_abi_put_u64(uint8_t w[32], uint64_t v)
{
    memset(w, 0, 32);
    for (int i = 31; i >= 24; i--, v >>= 8)
        w[i] = (uint8_t)v;
}

const uint8_t *ldg_vm_abi_bytes_arg(const uint8_t *args, size_t n, size_t i, size_t max,
                                    size_t *len)
{
    uint64_t off, l;
    if (n < 32 * (i + 1) || !ldg_vm_abi_u64(args + 32 * i, &off) || off > n || n - off < 32 ||
        !ldg_vm_abi_u64(args + off, &l) || l > max || l > n - off - 32)
        return NULL;
    *len = (size_t)l;
    return args + off + 32;
}

uint8_t *ldg_vm_abi_error(const char *text, size_t *len)
{
    size_t tl = strlen(text);
    size_t padded = (tl + 31) / 32 * 32;
    *len = 4 + 32 + 32 + padded;
    uint8_t *b = calloc(1, *len);
    LDG_ASSERT(b);
    ldg_vm_abi_selector(b, "Error(string)");
    b[4 + 31] = 0x20;
    for (int i = 0; i < 8; i++)
        b[4 + 32 + 31 - i] = (uint8_t)(tl >> (8 * i));
    memcpy(b + 4 + 64, text, tl);
    return b;
}
