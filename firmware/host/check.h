/* A few lines of test harness for the host unit tests: CHECK counts and reports failures; main returns them. */
#ifndef CHORUS_HOST_CHECK_H_
#define CHORUS_HOST_CHECK_H_

#include <stdio.h>

static int check_failures = 0;
static int check_count = 0;

#define CHECK(condition)                                                                                               \
    do {                                                                                                               \
        ++check_count;                                                                                                 \
        if (!(condition)) {                                                                                            \
            ++check_failures;                                                                                          \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #condition);                              \
        }                                                                                                              \
    } while (0)

#define CHECK_REPORT(name)                                                                                             \
    (printf("%s: %d checks, %d failed\n", (name), check_count, check_failures), check_failures != 0)

#endif /* CHORUS_HOST_CHECK_H_ */
