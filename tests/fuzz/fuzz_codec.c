/* libFuzzer target for the canonical msgpack decoder (ledger/ldg_codec).
 *
 * Properties checked on every input, not just "no crash":
 * - a value that decodes re-encodes to exactly the input bytes (one encoding per value);
 * - every string accepted by ldg_obj_str has no control byte and copies back unchanged;
 * - every decoded string is UTF-8 that jansson accepts (RFC 3629), so it can reach a reply;
 * - the typed accessors agree with the object's type;
 * - the tree is the one msgpack-c's msgpack_unpack_next gives (ldg_decode builds its own):
 *   same types, values and sizes, strings and binaries at the same addresses;
 * - nothing leaks on either path (ASan). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ldg_codec.h"

#include <jansson.h>

static void check_obj(const msgpack_object *o, int depth)
{
    LDG_ASSERT(depth <= 16);
    uint64_t u;
    int64_t i;
    bool b;
    LDG_ASSERT(ldg_obj_u64(o, &u) == (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER));
    LDG_ASSERT(ldg_obj_bool(o, &b) == (o->type == MSGPACK_OBJECT_BOOLEAN));
    if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        LDG_ASSERT(ldg_obj_i64(o, &i) && i < 0);
    switch (o->type) {
    case MSGPACK_OBJECT_STR: {
        static char out[65537];
        size_t n = o->via.str.size;
        /* every decoded string is UTF-8 as jansson reads it, so it can go into a reply */
        json_t *j = json_stringn(n ? o->via.str.ptr : "", n);
        LDG_ASSERT(j);
        json_decref(j);
        if (n <= 65536 && ldg_obj_str(o, out, 65536, true)) {
            LDG_ASSERT(strlen(out) == n && (n == 0 || memcmp(out, o->via.str.ptr, n) == 0));
            for (size_t k = 0; k < n; k++)
                LDG_ASSERT((uint8_t)out[k] >= 0x20 && (uint8_t)out[k] != 0x7f);
        }
        break;
    }
    case MSGPACK_OBJECT_BIN: {
        const uint8_t *p;
        size_t n;
        LDG_ASSERT(ldg_obj_bin_ref(o, SIZE_MAX, &p, &n) && n == o->via.bin.size);
        break;
    }
    case MSGPACK_OBJECT_ARRAY: {
        const msgpack_object *items;
        uint32_t n;
        LDG_ASSERT(ldg_obj_array_any(o, UINT32_MAX, &items, &n) && n == o->via.array.size);
        for (uint32_t k = 0; k < n; k++)
            check_obj(&items[k], depth + 1);
        break;
    }
    case MSGPACK_OBJECT_NIL:
    case MSGPACK_OBJECT_BOOLEAN:
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        break;
    default:
        LDG_ASSERT(!"a map, float or ext decoded");
    }
}

static void same_tree(const msgpack_object *a, const msgpack_object *b)
{
    LDG_ASSERT(a->type == b->type);
    switch (a->type) {
    case MSGPACK_OBJECT_BOOLEAN:
        LDG_ASSERT(a->via.boolean == b->via.boolean);
        break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        LDG_ASSERT(a->via.u64 == b->via.u64);
        break;
    case MSGPACK_OBJECT_STR:
    case MSGPACK_OBJECT_BIN:
        LDG_ASSERT(a->via.str.size == b->via.str.size && a->via.str.ptr == b->via.str.ptr);
        break;
    case MSGPACK_OBJECT_ARRAY:
        LDG_ASSERT(a->via.array.size == b->via.array.size && a->via.array.ptr);
        for (uint32_t k = 0; k < a->via.array.size; k++)
            same_tree(&a->via.array.ptr[k], &b->via.array.ptr[k]);
        break;
    default:
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ldg_dec d;
    if (ldg_decode(&d, data, size) != LDG_OK)
        return 0;
    ldg_enc e;
    ldg_enc_init(&e);
    LDG_ASSERT(msgpack_pack_object(&e.pk, *d.root) == 0);
    LDG_ASSERT(ldg_enc_len(&e) == size && memcmp(ldg_enc_data(&e), data, size) == 0);
    ldg_enc_free(&e);
    check_obj(d.root, 0);
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    size_t off = 0;
    LDG_ASSERT(msgpack_unpack_next(&u, (const char *)data, size, &off) == MSGPACK_UNPACK_SUCCESS &&
               off == size);
    same_tree(d.root, &u.data);
    msgpack_unpacked_destroy(&u);
    ldg_dec_free(&d);
    return 0;
}

size_t folio_fuzz_seed(uint8_t *out, size_t cap, unsigned index)
{
    ldg_enc e;
    ldg_enc_init(&e);
    switch (index) {
    case 0:
        ldg_enc_array(&e, 6);
        ldg_enc_u64(&e, 300);
        ldg_enc_i64(&e, -40000);
        ldg_enc_str(&e, "caf\xc3\xa9");
        ldg_enc_bin(&e, "\x00\x01\x02", 3);
        ldg_enc_bool(&e, true);
        ldg_enc_nil(&e);
        break;
    case 1:
        for (int k = 0; k < 16; k++)
            ldg_enc_array(&e, 1);
        ldg_enc_u64(&e, UINT64_MAX);
        break;
    case 2:
        ldg_enc_array(&e, 3);
        ldg_enc_str(&e, "");
        ldg_enc_bin(&e, "", 0);
        ldg_enc_array(&e, 0);
        break;
    case 3: {
        static char s[300];
        memset(s, 'a', sizeof s);
        ldg_enc_array(&e, 2);
        ldg_enc_strn(&e, s, sizeof s);
        ldg_enc_bin(&e, s, 256);
        break;
    }
    default:
        ldg_enc_free(&e);
        return 0;
    }
    size_t n = ldg_enc_len(&e) <= cap ? ldg_enc_len(&e) : 0;
    memcpy(out, ldg_enc_data(&e), n);
    ldg_enc_free(&e);
    return n;
}
