/* Minimal WAV reader for the host tools: 16-bit PCM, mono. */
#ifndef CHORUS_HOST_WAV_H_
#define CHORUS_HOST_WAV_H_

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int32_t sample_rate;
    size_t count;
    int16_t *samples; /* malloc'ed; free with free() */
} chorus_wav;

/* 0 on success; else -1 with a message in error (at most error_size bytes). */
int chorus_wav_read(const char *path, chorus_wav *wav, char *error, size_t error_size);

#endif /* CHORUS_HOST_WAV_H_ */
