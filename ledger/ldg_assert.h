/* Programmer errors: assertions that stay on in release builds (TigerBeetle style). */
#ifndef LDG_ASSERT_H
#define LDG_ASSERT_H

#include <stdio.h>
#include <stdlib.h>

#define LDG_ASSERT(cond)                                                                           \
    do {                                                                                           \
        if (__builtin_expect(!(cond), 0)) {                                                        \
            fprintf(stderr, "folio: assertion failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);  \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define LDG_WARN_UNUSED __attribute__((warn_unused_result))
#define LDG_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
