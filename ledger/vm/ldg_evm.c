/* The EVM interpreter (Cancun): computed-goto dispatch over zero-padded code, stack and
 * static gas checked from one table before each instruction, a fixed stack array and a
 * memory buffer that grows only on expansion. Layout after evmone's baseline interpreter. */
#include "ldg_evm.h"

#include "ldg_evm_ops.h"
#include "ldg_keccak.h"

#include <stdlib.h>
#include <string.h>

/* Zero bytes after the code: a PUSH32 at the end reads zeros, then STOP follows. */
#define CODE_PADDING 33
/* Zero bytes before the code: PUSH reads its data as four whole 64-bit words ending at its
 * last byte, which for a short PUSH near the start begin up to 31 bytes before the code. */
#define CODE_FRONT 32

struct ldg_evm_code {
    uint8_t *bytes; /* CODE_FRONT bytes into a zeroed block of size + CODE_PADDING more */
    size_t size;
    uint64_t *jumpdest_bits; /* bit i set if offset i is a JUMPDEST opcode */
};

ldg_evm_code *ldg_evm_code_analyze(const uint8_t *code, size_t code_size)
{
    ldg_evm_code *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->size = code_size;
    uint8_t *block = calloc(CODE_FRONT + code_size + CODE_PADDING, 1);
    c->bytes = block ? block + CODE_FRONT : NULL;
    c->jumpdest_bits = calloc(code_size / 64 + 1, sizeof(uint64_t));
    if (!c->bytes || !c->jumpdest_bits) {
        ldg_evm_code_free(c);
        return NULL;
    }
    if (code_size)
        memcpy(c->bytes, code, code_size);
    for (size_t i = 0; i < code_size; i++) {
        uint8_t op = code[i];
        if (op == 0x5b)
            c->jumpdest_bits[i / 64] |= 1ULL << (i % 64);
        else if (op >= 0x60 && op <= 0x7f)
            i += (size_t)(op - 0x5f); /* skip push data */
    }
    return c;
}

void ldg_evm_code_free(ldg_evm_code *c)
{
    if (!c)
        return;
    free(c->bytes ? c->bytes - CODE_FRONT : NULL);
    free(c->jumpdest_bits);
    free(c);
}

size_t ldg_evm_code_size(const ldg_evm_code *c)
{
    return c->size;
}

bool ldg_evm_code_is_jumpdest(const ldg_evm_code *c, uint64_t offset)
{
    return offset < c->size && ((c->jumpdest_bits[offset / 64] >> (offset % 64)) & 1);
}

void ldg_evm_result_release(ldg_evm_result *r)
{
    free(r->output_data);
    r->output_data = NULL;
    r->output_size = 0;
}

const char *ldg_evm_status_name(ldg_evm_status s)
{
    switch (s) {
    case LDG_EVM_SUCCESS:
        return "SUCCESS";
    case LDG_EVM_FAILURE:
        return "FAILURE";
    case LDG_EVM_REVERT:
        return "REVERT";
    case LDG_EVM_OUT_OF_GAS:
        return "OUT_OF_GAS";
    case LDG_EVM_INVALID_INSTRUCTION:
        return "INVALID_INSTRUCTION";
    case LDG_EVM_UNDEFINED_INSTRUCTION:
        return "UNDEFINED_INSTRUCTION";
    case LDG_EVM_STACK_OVERFLOW:
        return "STACK_OVERFLOW";
    case LDG_EVM_STACK_UNDERFLOW:
        return "STACK_UNDERFLOW";
    case LDG_EVM_BAD_JUMP_DESTINATION:
        return "BAD_JUMP_DESTINATION";
    case LDG_EVM_INVALID_MEMORY_ACCESS:
        return "INVALID_MEMORY_ACCESS";
    case LDG_EVM_CALL_DEPTH_EXCEEDED:
        return "CALL_DEPTH_EXCEEDED";
    case LDG_EVM_STATIC_MODE_VIOLATION:
        return "STATIC_MODE_VIOLATION";
    case LDG_EVM_PRECOMPILE_FAILURE:
        return "PRECOMPILE_FAILURE";
    case LDG_EVM_CONTRACT_VALIDATION_FAILURE:
        return "CONTRACT_VALIDATION_FAILURE";
    case LDG_EVM_ARGUMENT_OUT_OF_RANGE:
        return "ARGUMENT_OUT_OF_RANGE";
    case LDG_EVM_INSUFFICIENT_BALANCE:
        return "INSUFFICIENT_BALANCE";
    case LDG_EVM_INTERNAL_ERROR:
        return "INTERNAL_ERROR";
    case LDG_EVM_OUT_OF_MEMORY:
        return "OUT_OF_MEMORY";
    }
    return "UNKNOWN";
}

/* ---- instruction table ---- */

typedef struct op_info {
    int16_t gas;
    uint8_t in;      /* stack items required */
    uint8_t defined; /* in the Cancun instruction set */
    int16_t room;    /* h_max - in, h_max being the largest height that does not overflow */
} op_info;

#define OP_INFO(code, name, g, i, o)                                                               \
    [code] = {.gas = (g),                                                                          \
              .in = (i),                                                                           \
              .defined = 1,                                                                        \
              .room = LDG_EVM_STACK_MAX - ((o) > (i) ? (o) - (i) : 0) - (i)},

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
#ifdef __clang__
#pragma GCC diagnostic ignored "-Winitializer-overrides"
#endif
/* Undefined opcodes: no stack requirement, so the dispatch reaches op_UNDEFINED. */
static const op_info op_table[256] = {
    [0 ... 255] = {.gas = 0, .in = 0, .defined = 0, .room = LDG_EVM_STACK_MAX},
    LDG_EVM_OPS(OP_INFO)};
#pragma GCC diagnostic pop

/* ---- frame ---- */

typedef struct frame {
    ldg_u256 stack[LDG_EVM_STACK_MAX];
    uint8_t *mem;
    size_t mem_size; /* bytes in use, a multiple of 32 */
    size_t mem_cap;
    uint8_t *ret; /* return data of the last nested call (owned) */
    size_t ret_size;
    int64_t refund;
    bool tx_loaded;
    ldg_evm_tx_context tx;
    const ldg_evm_host *host;
    void *ctx;
    const ldg_evm_message *msg;
    const ldg_evm_code *code;
} frame;

static const ldg_evm_tx_context *tx_context(frame *f)
{
    if (!f->tx_loaded) {
        f->tx = f->host->get_tx_context(f->ctx);
        f->tx_loaded = true;
    }
    return &f->tx;
}

static int64_t mem_cost(uint64_t words)
{
    return (int64_t)(3 * words + words * words / 512);
}

static uint64_t num_words(uint64_t bytes)
{
    return (bytes + 31) / 32;
}

/* Grows memory to cover end (bytes), charging expansion gas. False: out of gas (or over
 * LDG_EVM_MEMORY_SIZE_MAX, which no affordable execution reaches). */
static __attribute__((noinline)) bool mem_grow(frame *f, int64_t *gas, uint64_t end)
{
    uint64_t new_words = num_words(end), old_words = f->mem_size / 32;
    *gas -= mem_cost(new_words) - mem_cost(old_words);
    if (*gas < 0)
        return false;
    size_t new_size = (size_t)new_words * 32;
    if (new_size > f->mem_cap) {
        size_t cap = f->mem_cap ? f->mem_cap : 4096;
        while (cap < new_size)
            cap *= 2;
        if (cap > LDG_EVM_MEMORY_SIZE_MAX)
            cap = LDG_EVM_MEMORY_SIZE_MAX;
        uint8_t *m = realloc(f->mem, cap);
        if (!m)
            return false;
        f->mem = m;
        f->mem_cap = cap;
    }
    memset(f->mem + f->mem_size, 0, new_size - f->mem_size);
    f->mem_size = new_size;
    return true;
}

/* Makes [off, off+len) addressable; len 0 needs nothing (and off may then be anything). */
static inline bool mem_need(frame *f, int64_t *gas, ldg_u256 off, ldg_u256 len)
{
    if (ldg_u256_is_zero(len))
        return true;
    if (!ldg_u256_fits_u64(off) || !ldg_u256_fits_u64(len) || off.w[0] > LDG_EVM_MEMORY_SIZE_MAX ||
        len.w[0] > LDG_EVM_MEMORY_SIZE_MAX || off.w[0] + len.w[0] > LDG_EVM_MEMORY_SIZE_MAX)
        return false;
    uint64_t end = off.w[0] + len.w[0];
    return end <= f->mem_size || mem_grow(f, gas, end);
}

/* mem_need for the dispatch loop, which keeps gas in a register (its address is never
 * taken there): the gas left, or -1 if out of gas. */
static inline int64_t mem_gas(frame *f, int64_t gas, ldg_u256 off, ldg_u256 len)
{
    return mem_need(f, &gas, off, len) ? gas : -1;
}

/* Copies src[off ..] (src_size bytes in all) into dst[0..len), zero-filling past the end. */
static void copy_padded(uint8_t *dst, size_t len, const uint8_t *src, size_t src_size, ldg_u256 off)
{
    size_t start = ldg_u256_fits_u64(off) && off.w[0] < src_size ? (size_t)off.w[0] : src_size;
    size_t n = src_size - start < len ? src_size - start : len;
    if (n)
        memcpy(dst, src + start, n);
    memset(dst + n, 0, len - n);
}

static ldg_evm_address to_address(ldg_u256 v)
{
    uint8_t b[32];
    ldg_u256_to_be(b, v);
    ldg_evm_address a;
    memcpy(a.bytes, b + 12, 20);
    return a;
}

static ldg_u256 from_address(const ldg_evm_address *a)
{
    uint32_t hi;
    memcpy(&hi, a->bytes, 4);
    return (ldg_u256){
        {ldg_load_be64(a->bytes + 12), ldg_load_be64(a->bytes + 4), __builtin_bswap32(hi), 0}};
}

static ldg_u256 from_bytes32(const ldg_evm_bytes32 *b)
{
    return ldg_u256_from_be(b->bytes);
}

static int64_t clamp_gas(ldg_u256 v)
{
    return ldg_u256_fits_u64(v) && v.w[0] <= (uint64_t)INT64_MAX ? (int64_t)v.w[0] : INT64_MAX;
}

/* ---- the larger instructions, out of line (sp points one past the top) ---- */

/* Gas and refund of SSTORE by storage status (EIP-2200, EIP-2929, EIP-3529). */
static const int16_t sstore_gas[9] = {100, 20000, 2900, 2900, 100, 100, 100, 100, 100};
static const int16_t sstore_refund[9] = {0, 0, 4800, 0, -4800, 4800, -2000, 19900, 2800};

static __attribute__((noinline)) ldg_evm_status op_sstore(frame *f, int64_t *gas, ldg_u256 key,
                                                          ldg_u256 value)
{
    if (f->msg->flags & LDG_EVM_STATIC)
        return LDG_EVM_STATIC_MODE_VIOLATION;
    if (*gas <= 2300) /* EIP-2200: SSTORE needs more than the call stipend */
        return LDG_EVM_OUT_OF_GAS;
    int64_t cost = 0;
    if (f->host->access_storage(f->ctx, &f->msg->recipient, &key) == LDG_EVM_ACCESS_COLD)
        cost += 2100;
    ldg_evm_storage_status st = f->host->set_storage(f->ctx, &f->msg->recipient, &key, &value);
    LDG_ASSERT((unsigned)st < 9);
    cost += sstore_gas[st];
    f->refund += sstore_refund[st];
    *gas -= cost;
    return *gas < 0 ? LDG_EVM_OUT_OF_GAS : LDG_EVM_SUCCESS;
}

static __attribute__((noinline)) ldg_evm_status op_log(frame *f, int64_t *gas, ldg_u256 *sp,
                                                       unsigned n)
{
    if (f->msg->flags & LDG_EVM_STATIC)
        return LDG_EVM_STATIC_MODE_VIOLATION;
    ldg_u256 off = sp[-1], len = sp[-2];
    if (!mem_need(f, gas, off, len))
        return LDG_EVM_OUT_OF_GAS;
    *gas -= 8 * (int64_t)len.w[0]; /* len fits: mem_need bounded it */
    if (*gas < 0)
        return LDG_EVM_OUT_OF_GAS;
    ldg_evm_bytes32 topics[LDG_EVM_LOG_TOPICS_MAX];
    for (unsigned i = 0; i < n; i++)
        ldg_u256_to_be(topics[i].bytes, sp[-3 - (int)i]);
    const uint8_t *data = len.w[0] ? f->mem + off.w[0] : NULL;
    f->host->emit_log(f->ctx, &f->msg->recipient, data, (size_t)len.w[0], topics, n);
    return LDG_EVM_SUCCESS;
}

static void set_return_data(frame *f, ldg_evm_result *r)
{
    free(f->ret);
    f->ret = r->output_data;
    f->ret_size = r->output_size;
    r->output_data = NULL;
    r->output_size = 0;
}

static void clear_return_data(frame *f)
{
    free(f->ret);
    f->ret = NULL;
    f->ret_size = 0;
}

/* CALL, CALLCODE, DELEGATECALL, STATICCALL. sp[-1] is the top; the result replaces
 * the last of the popped items (the caller adjusts sp). */
static __attribute__((noinline)) ldg_evm_status op_call(frame *f, int64_t *gas, ldg_u256 *sp,
                                                        uint8_t op)
{
    bool has_value_arg = op == 0xf1 || op == 0xf2;
    ldg_u256 gas_req = sp[-1];
    ldg_evm_address dst = to_address(sp[-2]);
    ldg_u256 value = has_value_arg ? sp[-3] : ldg_u256_zero();
    ldg_u256 *args = sp - (has_value_arg ? 4 : 3);
    ldg_u256 in_off = args[0], in_len = args[-1], out_off = args[-2], out_len = args[-3];
    ldg_u256 *result_slot = &args[-3];
    *result_slot = ldg_u256_zero();
    bool has_value = !ldg_u256_is_zero(value);

    if (op == 0xf1 && has_value && (f->msg->flags & LDG_EVM_STATIC))
        return LDG_EVM_STATIC_MODE_VIOLATION;
    int64_t cost = 0;
    if (f->host->access_account(f->ctx, &dst) == LDG_EVM_ACCESS_COLD)
        cost += 2500;
    if (!mem_need(f, gas, in_off, in_len) || !mem_need(f, gas, out_off, out_len))
        return LDG_EVM_OUT_OF_GAS;
    if (has_value) {
        cost += 9000;
        if (op == 0xf1 && !f->host->account_exists(f->ctx, &dst))
            cost += 25000;
    }
    if ((*gas -= cost) < 0)
        return LDG_EVM_OUT_OF_GAS;

    ldg_evm_message m = {
        .kind = op == 0xf4   ? LDG_EVM_DELEGATECALL
                : op == 0xf2 ? LDG_EVM_CALLCODE
                             : LDG_EVM_CALL,
        .flags = f->msg->flags | (op == 0xfa ? LDG_EVM_STATIC : 0),
        .depth = f->msg->depth + 1,
        .recipient = op == 0xf1 || op == 0xfa ? dst : f->msg->recipient,
        .sender = op == 0xf4 ? f->msg->sender : f->msg->recipient,
        .value = op == 0xf4 ? f->msg->value : value,
        .code_address = dst,
        .input_data = in_len.w[0] ? f->mem + in_off.w[0] : NULL,
        .input_size = (size_t)in_len.w[0],
    };
    int64_t avail = *gas - *gas / 64; /* EIP-150: all but one 64th */
    m.gas = clamp_gas(gas_req) < avail ? clamp_gas(gas_req) : avail;
    *gas -= m.gas;
    if (has_value)
        m.gas += 2300; /* stipend, paid by nobody: also returned if the call cannot start */
    clear_return_data(f);
    if (f->msg->depth >= LDG_EVM_CALL_DEPTH_MAX ||
        (has_value && ldg_u256_lt(f->host->get_balance(f->ctx, &f->msg->recipient), value))) {
        *gas += m.gas;
        return LDG_EVM_SUCCESS;
    }
    ldg_evm_result r = f->host->call(f->ctx, &m);
    *result_slot = ldg_u256_from_u64(r.status == LDG_EVM_SUCCESS);
    size_t n = r.output_size < out_len.w[0] ? r.output_size : (size_t)out_len.w[0];
    if (n)
        memcpy(f->mem + out_off.w[0], r.output_data, n);
    *gas += r.gas_left;
    f->refund += r.gas_refund;
    set_return_data(f, &r);
    return LDG_EVM_SUCCESS;
}

static __attribute__((noinline)) ldg_evm_status op_create(frame *f, int64_t *gas, ldg_u256 *sp,
                                                          bool create2)
{
    if (f->msg->flags & LDG_EVM_STATIC)
        return LDG_EVM_STATIC_MODE_VIOLATION;
    ldg_u256 value = sp[-1], off = sp[-2], len = sp[-3];
    ldg_u256 *result_slot = create2 ? &sp[-4] : &sp[-3];
    ldg_evm_message m = {.kind = create2 ? LDG_EVM_CREATE2 : LDG_EVM_CREATE};
    if (create2)
        ldg_u256_to_be(m.create2_salt.bytes, sp[-4]);
    if (!mem_need(f, gas, off, len))
        return LDG_EVM_OUT_OF_GAS;
    if (len.w[0] > LDG_EVM_INITCODE_SIZE_MAX) /* EIP-3860 */
        return LDG_EVM_OUT_OF_GAS;
    int64_t words = (int64_t)num_words(len.w[0]);
    if ((*gas -= words * (create2 ? 2 + 6 : 2)) < 0)
        return LDG_EVM_OUT_OF_GAS;
    *result_slot = ldg_u256_zero();
    clear_return_data(f);
    if (f->msg->depth >= LDG_EVM_CALL_DEPTH_MAX ||
        (!ldg_u256_is_zero(value) &&
         ldg_u256_lt(f->host->get_balance(f->ctx, &f->msg->recipient), value)))
        return LDG_EVM_SUCCESS;
    m.depth = f->msg->depth + 1;
    m.sender = f->msg->recipient;
    m.value = value;
    m.input_data = len.w[0] ? f->mem + off.w[0] : NULL;
    m.input_size = (size_t)len.w[0];
    m.gas = *gas - *gas / 64;
    *gas -= m.gas;
    ldg_evm_result r = f->host->call(f->ctx, &m);
    *gas += r.gas_left;
    f->refund += r.gas_refund;
    if (r.status == LDG_EVM_SUCCESS)
        *result_slot = from_address(&r.create_address);
    set_return_data(f, &r);
    return LDG_EVM_SUCCESS;
}

static __attribute__((noinline)) ldg_evm_status op_selfdestruct(frame *f, int64_t *gas,
                                                                ldg_u256 target)
{
    if (f->msg->flags & LDG_EVM_STATIC)
        return LDG_EVM_STATIC_MODE_VIOLATION;
    ldg_evm_address ben = to_address(target);
    if (f->host->access_account(f->ctx, &ben) == LDG_EVM_ACCESS_COLD)
        *gas -= 2600;
    if (*gas >= 0 && !ldg_u256_is_zero(f->host->get_balance(f->ctx, &f->msg->recipient)) &&
        !f->host->account_exists(f->ctx, &ben))
        *gas -= 25000;
    if (*gas < 0)
        return LDG_EVM_OUT_OF_GAS;
    f->host->selfdestruct(f->ctx, &f->msg->recipient, &ben);
    return LDG_EVM_SUCCESS;
}

/* EXTCODECOPY: sp[-1] address, then dest, offset, length. */
static __attribute__((noinline)) ldg_evm_status op_extcodecopy(frame *f, int64_t *gas, ldg_u256 *sp)
{
    ldg_evm_address a = to_address(sp[-1]);
    ldg_u256 dst = sp[-2], off = sp[-3], len = sp[-4];
    if (!mem_need(f, gas, dst, len))
        return LDG_EVM_OUT_OF_GAS;
    *gas -= 3 * (int64_t)num_words(len.w[0]);
    if (f->host->access_account(f->ctx, &a) == LDG_EVM_ACCESS_COLD)
        *gas -= 2500;
    if (*gas < 0)
        return LDG_EVM_OUT_OF_GAS;
    if (ldg_u256_is_zero(len))
        return LDG_EVM_SUCCESS;
    uint8_t *out = f->mem + dst.w[0];
    size_t n = 0;
    if (ldg_u256_fits_u64(off) && off.w[0] <= SIZE_MAX)
        n = f->host->copy_code(f->ctx, &a, (size_t)off.w[0], out, (size_t)len.w[0]);
    memset(out + n, 0, (size_t)len.w[0] - n);
    return LDG_EVM_SUCCESS;
}

static __attribute__((noinline)) ldg_u256 op_blockhash(frame *f, ldg_u256 num)
{
    int64_t cur = tx_context(f)->block_number;
    if (!ldg_u256_fits_u64(num) || num.w[0] >= (uint64_t)cur || (uint64_t)cur - num.w[0] > 256)
        return ldg_u256_zero();
    ldg_evm_bytes32 h = f->host->get_block_hash(f->ctx, (int64_t)num.w[0]);
    return from_bytes32(&h);
}

static ldg_evm_result finish(frame *f, ldg_evm_status st, int64_t gas, ldg_u256 off, ldg_u256 len)
{
    ldg_evm_result r = {.status = st};
    if (st != LDG_EVM_SUCCESS && st != LDG_EVM_REVERT)
        return r; /* exceptional halt: all gas consumed, refunds dropped, no output */
    r.gas_left = gas;
    r.gas_refund = st == LDG_EVM_SUCCESS ? f->refund : 0;
    if (!ldg_u256_is_zero(len)) {
        r.output_data = malloc((size_t)len.w[0]);
        if (!r.output_data)
            return (ldg_evm_result){.status = LDG_EVM_OUT_OF_MEMORY};
        memcpy(r.output_data, f->mem + off.w[0], (size_t)len.w[0]);
        r.output_size = (size_t)len.w[0];
    }
    return r;
}

/* ---- the dispatch loop ---- */

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
#ifdef __clang__
#pragma GCC diagnostic ignored "-Winitializer-overrides"
#endif

#define OP_LABEL(code, name, g, i, o) [code] = &&op_##name,

static ldg_evm_result interpret(frame *f)
{
    static const void *const labels[256] = {[0 ... 255] = &&op_UNDEFINED, LDG_EVM_OPS(OP_LABEL)};
    const uint8_t *const code = f->code->bytes;
    ldg_u256 *const stack = f->stack;
    ldg_u256 *sp = stack; /* one past the top */
    size_t pc = 0;
    int64_t gas = f->msg->gas;
    ldg_evm_status st = LDG_EVM_SUCCESS;
    ldg_u256 ret_off = ldg_u256_zero(), ret_len = ldg_u256_zero();
    uint8_t op;

#define DISPATCH()                                                                                 \
    do {                                                                                           \
        op = code[pc];                                                                             \
        const op_info *oi_ = &op_table[op];                                                        \
        /* one unsigned compare: height - in must lie in [0, h_max - in] */                        \
        if (__builtin_expect((size_t)((sp - stack) - oi_->in) > (size_t)oi_->room, 0))             \
            goto stack_error;                                                                      \
        if (__builtin_expect((gas -= oi_->gas) < 0, 0))                                            \
            goto out_of_gas;                                                                       \
        goto *labels[op];                                                                          \
    } while (0)
#define NEXT()                                                                                     \
    do {                                                                                           \
        pc++;                                                                                      \
        DISPATCH();                                                                                \
    } while (0)
#define BINOP(expr)                                                                                \
    do {                                                                                           \
        ldg_u256 a = sp[-1], b = sp[-2];                                                           \
        sp[-2] = (expr);                                                                           \
        sp--;                                                                                      \
        NEXT();                                                                                    \
    } while (0)
#define BOOL(x) ldg_u256_from_u64((x) ? 1 : 0)
#define FAIL(s)                                                                                    \
    do {                                                                                           \
        st = (s);                                                                                  \
        goto done;                                                                                 \
    } while (0)
/* gas stays a register variable: helpers that charge gas get a copy's address. */
#define CHECK_GAS(call)                                                                            \
    do {                                                                                           \
        int64_t g_ = gas;                                                                          \
        ldg_evm_status s_ = (call);                                                                \
        gas = g_;                                                                                  \
        if (s_ != LDG_EVM_SUCCESS)                                                                 \
            FAIL(s_);                                                                              \
    } while (0)
#define CHECK(call)                                                                                \
    do {                                                                                           \
        ldg_evm_status s_ = (call);                                                                \
        if (s_ != LDG_EVM_SUCCESS)                                                                 \
            FAIL(s_);                                                                              \
    } while (0)
#define PUSH(v)                                                                                    \
    do {                                                                                           \
        *sp++ = (v);                                                                               \
        NEXT();                                                                                    \
    } while (0)

    DISPATCH();

op_STOP:
    goto done;
op_ADD:
    BINOP(ldg_u256_add(a, b));
op_MUL:
    BINOP(ldg_u256_mul(a, b));
op_SUB:
    BINOP(ldg_u256_sub(a, b));
op_DIV:
    BINOP(ldg_u256_div(a, b));
op_SDIV:
    BINOP(ldg_u256_sdiv(a, b));
op_MOD:
    BINOP(ldg_u256_mod(a, b));
op_SMOD:
    BINOP(ldg_u256_smod(a, b));
op_ADDMOD:
    sp[-3] = ldg_u256_addmod(sp[-1], sp[-2], sp[-3]);
    sp -= 2;
    NEXT();
op_MULMOD:
    sp[-3] = ldg_u256_mulmod(sp[-1], sp[-2], sp[-3]);
    sp -= 2;
    NEXT();
op_EXP:
    if ((gas -= 50 * (int64_t)ldg_u256_byte_len(sp[-2])) < 0)
        goto out_of_gas;
    BINOP(ldg_u256_exp(a, b));
op_SIGNEXTEND:
    BINOP(ldg_u256_signextend(a, b));
op_LT:
    BINOP(BOOL(ldg_u256_lt(a, b)));
op_GT:
    BINOP(BOOL(ldg_u256_lt(b, a)));
op_SLT:
    BINOP(BOOL(ldg_u256_slt(a, b)));
op_SGT:
    BINOP(BOOL(ldg_u256_slt(b, a)));
op_EQ:
    BINOP(BOOL(ldg_u256_eq(a, b)));
op_ISZERO:
    sp[-1] = BOOL(ldg_u256_is_zero(sp[-1]));
    NEXT();
op_AND:
    BINOP(ldg_u256_and(a, b));
op_OR:
    BINOP(ldg_u256_or(a, b));
op_XOR:
    BINOP(ldg_u256_xor(a, b));
op_NOT:
    sp[-1] = ldg_u256_not(sp[-1]);
    NEXT();
op_BYTE:
    BINOP(ldg_u256_byte(a, b));
op_SHL:
    BINOP(ldg_u256_shl(b, ldg_u256_shift_count(a)));
op_SHR:
    BINOP(ldg_u256_shr(b, ldg_u256_shift_count(a)));
op_SAR:
    BINOP(ldg_u256_sar(b, ldg_u256_shift_count(a)));
op_KECCAK256 : {
    ldg_u256 off = sp[-1], len = sp[-2];
    if ((gas = mem_gas(f, gas, off, len)) < 0 || (gas -= 6 * (int64_t)num_words(len.w[0])) < 0)
        goto out_of_gas;
    uint8_t h[32];
    ldg_keccak256(h, len.w[0] ? f->mem + off.w[0] : NULL, ldg_u256_is_zero(len) ? 0 : len.w[0]);
    sp[-2] = ldg_u256_from_be(h);
    sp--;
    NEXT();
}
op_ADDRESS:
    PUSH(from_address(&f->msg->recipient));
op_BALANCE : {
    ldg_evm_address a = to_address(sp[-1]);
    if (f->host->access_account(f->ctx, &a) == LDG_EVM_ACCESS_COLD && (gas -= 2500) < 0)
        goto out_of_gas;
    sp[-1] = f->host->get_balance(f->ctx, &a);
    NEXT();
}
op_ORIGIN:
    PUSH(from_address(&tx_context(f)->origin));
op_CALLER:
    PUSH(from_address(&f->msg->sender));
op_CALLVALUE:
    PUSH(f->msg->value);
op_CALLDATALOAD : {
    uint8_t w[32];
    copy_padded(w, 32, f->msg->input_data, f->msg->input_size, sp[-1]);
    sp[-1] = ldg_u256_from_be(w);
    NEXT();
}
op_CALLDATASIZE:
    PUSH(ldg_u256_from_u64(f->msg->input_size));
op_CALLDATACOPY:
op_CODECOPY:
op_RETURNDATACOPY : {
    ldg_u256 dst = sp[-1], off = sp[-2], len = sp[-3];
    sp -= 3;
    if ((gas = mem_gas(f, gas, dst, len)) < 0 || (gas -= 3 * (int64_t)num_words(len.w[0])) < 0)
        goto out_of_gas;
    const uint8_t *src = op == 0x37 ? f->msg->input_data : op == 0x39 ? code : f->ret;
    size_t src_size = op == 0x37 ? f->msg->input_size : op == 0x39 ? f->code->size : f->ret_size;
    if (op == 0x3e && (!ldg_u256_fits_u64(off) || off.w[0] > src_size ||
                       (!ldg_u256_is_zero(len) && len.w[0] > src_size - off.w[0])))
        FAIL(LDG_EVM_INVALID_MEMORY_ACCESS);
    if (!ldg_u256_is_zero(len))
        copy_padded(f->mem + dst.w[0], (size_t)len.w[0], src, src_size, off);
    NEXT();
}
op_CODESIZE:
    PUSH(ldg_u256_from_u64(f->code->size));
op_GASPRICE:
    PUSH(tx_context(f)->gas_price);
op_EXTCODESIZE : {
    ldg_evm_address a = to_address(sp[-1]);
    if (f->host->access_account(f->ctx, &a) == LDG_EVM_ACCESS_COLD && (gas -= 2500) < 0)
        goto out_of_gas;
    sp[-1] = ldg_u256_from_u64(f->host->get_code_size(f->ctx, &a));
    NEXT();
}
op_EXTCODECOPY:
    CHECK_GAS(op_extcodecopy(f, &g_, sp));
    sp -= 4;
    NEXT();
op_RETURNDATASIZE:
    PUSH(ldg_u256_from_u64(f->ret_size));
op_EXTCODEHASH : {
    ldg_evm_address a = to_address(sp[-1]);
    if (f->host->access_account(f->ctx, &a) == LDG_EVM_ACCESS_COLD && (gas -= 2500) < 0)
        goto out_of_gas;
    ldg_evm_bytes32 h = f->host->get_code_hash(f->ctx, &a);
    sp[-1] = from_bytes32(&h);
    NEXT();
}
op_BLOCKHASH:
    sp[-1] = op_blockhash(f, sp[-1]);
    NEXT();
op_COINBASE:
    PUSH(from_address(&tx_context(f)->coinbase));
op_TIMESTAMP:
    PUSH(ldg_u256_from_u64((uint64_t)tx_context(f)->block_timestamp));
op_NUMBER:
    PUSH(ldg_u256_from_u64((uint64_t)tx_context(f)->block_number));
op_PREVRANDAO:
    PUSH(tx_context(f)->prev_randao);
op_GASLIMIT:
    PUSH(ldg_u256_from_u64((uint64_t)tx_context(f)->block_gas_limit));
op_CHAINID:
    PUSH(tx_context(f)->chain_id);
op_SELFBALANCE:
    PUSH(f->host->get_balance(f->ctx, &f->msg->recipient));
op_BASEFEE:
    PUSH(tx_context(f)->base_fee);
op_BLOBHASH : {
    const ldg_evm_tx_context *tx = tx_context(f);
    ldg_u256 i = sp[-1];
    sp[-1] = ldg_u256_fits_u64(i) && i.w[0] < tx->blob_hashes_count
                 ? from_bytes32(&tx->blob_hashes[i.w[0]])
                 : ldg_u256_zero();
    NEXT();
}
op_BLOBBASEFEE:
    PUSH(tx_context(f)->blob_base_fee);
op_POP:
    sp--;
    NEXT();
op_MLOAD : {
    if ((gas = mem_gas(f, gas, sp[-1], ldg_u256_from_u64(32))) < 0)
        goto out_of_gas;
    sp[-1] = ldg_u256_from_be(f->mem + sp[-1].w[0]);
    NEXT();
}
op_MSTORE:
    if ((gas = mem_gas(f, gas, sp[-1], ldg_u256_from_u64(32))) < 0)
        goto out_of_gas;
    ldg_u256_to_be(f->mem + sp[-1].w[0], sp[-2]);
    sp -= 2;
    NEXT();
op_MSTORE8:
    if ((gas = mem_gas(f, gas, sp[-1], ldg_u256_from_u64(1))) < 0)
        goto out_of_gas;
    f->mem[sp[-1].w[0]] = (uint8_t)sp[-2].w[0];
    sp -= 2;
    NEXT();
op_SLOAD : {
    ldg_u256 key = sp[-1];
    if (f->host->access_storage(f->ctx, &f->msg->recipient, &key) == LDG_EVM_ACCESS_COLD &&
        (gas -= 2000) < 0)
        goto out_of_gas;
    sp[-1] = f->host->get_storage(f->ctx, &f->msg->recipient, &key);
    NEXT();
}
op_SSTORE:
    CHECK_GAS(op_sstore(f, &g_, sp[-1], sp[-2]));
    sp -= 2;
    NEXT();
op_JUMP:
    if (!ldg_u256_fits_u64(sp[-1]) || !ldg_evm_code_is_jumpdest(f->code, sp[-1].w[0]))
        FAIL(LDG_EVM_BAD_JUMP_DESTINATION);
    pc = (size_t)sp[-1].w[0];
    sp--;
    goto landed;
op_JUMPI:
    if (!ldg_u256_is_zero(sp[-2])) {
        if (!ldg_u256_fits_u64(sp[-1]) || !ldg_evm_code_is_jumpdest(f->code, sp[-1].w[0]))
            FAIL(LDG_EVM_BAD_JUMP_DESTINATION);
        pc = (size_t)sp[-1].w[0];
        sp -= 2;
        goto landed;
    }
    sp -= 2;
    NEXT();
op_PC:
    PUSH(ldg_u256_from_u64(pc));
op_MSIZE:
    PUSH(ldg_u256_from_u64(f->mem_size));
op_GAS:
    PUSH(ldg_u256_from_u64((uint64_t)gas));
landed: /* at a JUMPDEST after a jump: its dispatch (1 gas, no stack effect) done here */
    if (--gas < 0)
        goto out_of_gas;
op_JUMPDEST:
    /* A run of JUMPDESTs (1 gas each, no stack effect) without a dispatch per byte; the
     * byte after a JUMPDEST opcode is an opcode, and the code is padded with STOPs. */
    while (code[pc + 1] == 0x5b) {
        if (--gas < 0)
            goto out_of_gas;
        pc++;
    }
    NEXT();
op_TLOAD:
    sp[-1] = f->host->get_transient_storage(f->ctx, &f->msg->recipient, &sp[-1]);
    NEXT();
op_TSTORE:
    if (f->msg->flags & LDG_EVM_STATIC)
        FAIL(LDG_EVM_STATIC_MODE_VIOLATION);
    f->host->set_transient_storage(f->ctx, &f->msg->recipient, &sp[-1], &sp[-2]);
    sp -= 2;
    NEXT();
op_MCOPY : {
    ldg_u256 dst = sp[-1], src = sp[-2], len = sp[-3];
    sp -= 3;
    if ((gas = mem_gas(f, gas, dst, len)) < 0 || (gas = mem_gas(f, gas, src, len)) < 0 ||
        (gas -= 3 * (int64_t)num_words(len.w[0])) < 0)
        goto out_of_gas;
    if (!ldg_u256_is_zero(len))
        memmove(f->mem + dst.w[0], f->mem + src.w[0], (size_t)len.w[0]);
    NEXT();
}
op_PUSH0:
    PUSH(ldg_u256_zero());
op_PUSH1:
    *sp++ = ldg_u256_from_u64(code[pc + 1]);
    pc += 2;
    DISPATCH();
op_PUSH2:
op_PUSH3:
op_PUSH4:
op_PUSH5:
op_PUSH6:
op_PUSH7:
op_PUSH8:
op_PUSH9:
op_PUSH10:
op_PUSH11:
op_PUSH12:
op_PUSH13:
op_PUSH14:
op_PUSH15:
op_PUSH16:
op_PUSH17:
op_PUSH18:
op_PUSH19:
op_PUSH20:
op_PUSH21:
op_PUSH22:
op_PUSH23:
op_PUSH24:
op_PUSH25:
op_PUSH26:
op_PUSH27:
op_PUSH28:
op_PUSH29:
op_PUSH30:
op_PUSH31:
op_PUSH32 : {
    /* Four whole-word loads ending at the last data byte, masked to the data: no byte loop,
     * no branch on the length, and the limbs stored straight into the stack slot. */
    unsigned n = (unsigned)(op - 0x5f);
    const uint8_t *end = code + pc + 1 + n;
    for (unsigned i = 0; i < 4; i++) {
        int k = (int)n - 8 * (int)i; /* data bytes left for limb i */
        uint64_t mask = k >= 8 ? UINT64_MAX : k <= 0 ? 0 : (1ULL << (8 * k)) - 1;
        sp->w[i] = ldg_load_be64(end - 8 * (i + 1)) & mask;
    }
    sp++;
    pc += n + 1;
    DISPATCH();
}
op_DUP1:
op_DUP2:
op_DUP3:
op_DUP4:
op_DUP5:
op_DUP6:
op_DUP7:
op_DUP8:
op_DUP9:
op_DUP10:
op_DUP11:
op_DUP12:
op_DUP13:
op_DUP14:
op_DUP15:
op_DUP16:
    *sp = sp[-(ptrdiff_t)(op - 0x7f)];
    sp++;
    NEXT();
op_SWAP1:
op_SWAP2:
op_SWAP3:
op_SWAP4:
op_SWAP5:
op_SWAP6:
op_SWAP7:
op_SWAP8:
op_SWAP9:
op_SWAP10:
op_SWAP11:
op_SWAP12:
op_SWAP13:
op_SWAP14:
op_SWAP15:
op_SWAP16 : {
    ldg_u256 t = sp[-1];
    sp[-1] = sp[-1 - (ptrdiff_t)(op - 0x8f)];
    sp[-1 - (ptrdiff_t)(op - 0x8f)] = t;
    NEXT();
}
op_LOG0:
op_LOG1:
op_LOG2:
op_LOG3:
op_LOG4:
    CHECK_GAS(op_log(f, &g_, sp, (unsigned)(op - 0xa0)));
    sp -= 2 + (op - 0xa0);
    NEXT();
op_CREATE:
op_CREATE2:
    CHECK_GAS(op_create(f, &g_, sp, op == 0xf5));
    sp -= op == 0xf5 ? 3 : 2;
    NEXT();
op_CALL:
op_CALLCODE:
op_DELEGATECALL:
op_STATICCALL:
    CHECK_GAS(op_call(f, &g_, sp, op));
    sp -= op == 0xf1 || op == 0xf2 ? 6 : 5;
    NEXT();
op_RETURN:
op_REVERT:
    ret_off = sp[-1];
    ret_len = sp[-2];
    if ((gas = mem_gas(f, gas, ret_off, ret_len)) < 0)
        goto out_of_gas;
    st = op == 0xf3 ? LDG_EVM_SUCCESS : LDG_EVM_REVERT;
    goto done;
op_INVALID:
    FAIL(LDG_EVM_INVALID_INSTRUCTION);
op_SELFDESTRUCT:
    CHECK_GAS(op_selfdestruct(f, &g_, sp[-1]));
    goto done;
op_UNDEFINED:
    FAIL(LDG_EVM_UNDEFINED_INSTRUCTION);
stack_error:
    FAIL(sp - stack < op_table[op].in ? LDG_EVM_STACK_UNDERFLOW : LDG_EVM_STACK_OVERFLOW);
out_of_gas:
    FAIL(LDG_EVM_OUT_OF_GAS);
done:
    return finish(f, st, gas, ret_off, ret_len);

#undef DISPATCH
#undef NEXT
#undef BINOP
#undef BOOL
#undef FAIL
#undef CHECK
#undef CHECK_GAS
#undef PUSH
}

#pragma GCC diagnostic pop

ldg_evm_result ldg_evm_execute(const ldg_evm_host *host, void *ctx, const ldg_evm_message *msg,
                               const ldg_evm_code *code)
{
    LDG_ASSERT(host && msg && code && msg->gas >= 0);
    frame *f = malloc(sizeof *f);
    if (!f)
        return (ldg_evm_result){.status = LDG_EVM_OUT_OF_MEMORY};
    f->mem = NULL;
    f->mem_size = f->mem_cap = 0;
    f->ret = NULL;
    f->ret_size = 0;
    f->refund = 0;
    f->tx_loaded = false;
    f->host = host;
    f->ctx = ctx;
    f->msg = msg;
    f->code = code;
    ldg_evm_result r = interpret(f);
    free(f->mem);
    free(f->ret);
    free(f);
    return r;
}

ldg_evm_result ldg_evm_execute_bytes(const ldg_evm_host *host, void *ctx,
                                     const ldg_evm_message *msg, const uint8_t *code,
                                     size_t code_size)
{
    ldg_evm_code *c = ldg_evm_code_analyze(code, code_size);
    if (!c)
        return (ldg_evm_result){.status = LDG_EVM_OUT_OF_MEMORY};
    ldg_evm_result r = ldg_evm_execute(host, ctx, msg, c);
    ldg_evm_code_free(c);
    return r;
}
