/* Minimal WAV reader: RIFF/WAVE chunks, PCM (or WAVE_FORMAT_EXTENSIBLE with PCM data), 16-bit, one channel. */
#include "wav.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORMAT_PCM 1u
#define FORMAT_EXTENSIBLE 0xFFFEu

static uint32_t le32(const unsigned char *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint16_t le16(const unsigned char *p) {
    return (uint16_t)(p[0] | (p[1] << 8));
}

static int fail(char *error, size_t size, const char *message, FILE *file) {
    snprintf(error, size, "%s", message);
    if (file != NULL) {
        fclose(file);
    }
    return -1;
}

int chorus_wav_read(const char *path, chorus_wav *wav, char *error, size_t error_size) {
    memset(wav, 0, sizeof(*wav));
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        return fail(error, error_size, "cannot open the file", NULL);
    }
    unsigned char header[12];
    if (fread(header, 1, 12, file) != 12 || memcmp(header, "RIFF", 4) != 0 || memcmp(header + 8, "WAVE", 4) != 0) {
        return fail(error, error_size, "not a RIFF/WAVE file", file);
    }
    int have_format = 0;
    for (;;) {
        unsigned char chunk[8];
        if (fread(chunk, 1, 8, file) != 8) {
            return fail(error, error_size, "no data chunk", file);
        }
        const uint32_t size = le32(chunk + 4);
        if (memcmp(chunk, "fmt ", 4) == 0) {
            unsigned char fmt[40];
            if (size < 16 || size > sizeof(fmt) || fread(fmt, 1, size, file) != size) {
                return fail(error, error_size, "bad fmt chunk", file);
            }
            uint16_t tag = le16(fmt);
            if (tag == FORMAT_EXTENSIBLE && size >= 26) {
                tag = le16(fmt + 24); /* the sub-format GUID starts with the format code */
            }
            if (tag != FORMAT_PCM || le16(fmt + 14) != 16) {
                return fail(error, error_size, "only 16-bit PCM is supported", file);
            }
            if (le16(fmt + 2) != 1) {
                return fail(error, error_size, "only mono is supported", file);
            }
            wav->sample_rate = (int32_t)le32(fmt + 4);
            have_format = 1;
        } else if (memcmp(chunk, "data", 4) == 0) {
            if (!have_format) {
                return fail(error, error_size, "data before fmt", file);
            }
            wav->count = size / 2;
            wav->samples = (int16_t *)malloc(wav->count * sizeof(int16_t) + 1);
            unsigned char *bytes = (unsigned char *)malloc(size + 1);
            if (wav->samples == NULL || bytes == NULL) {
                free(bytes);
                free(wav->samples);
                wav->samples = NULL;
                return fail(error, error_size, "out of memory", file);
            }
            const size_t got = fread(bytes, 1, size, file);
            wav->count = got / 2;
            for (size_t i = 0; i < wav->count; ++i) {
                wav->samples[i] = (int16_t)le16(bytes + 2 * i);
            }
            free(bytes);
            fclose(file);
            return 0;
        } else if (fseek(file, (long)(size + (size & 1u)), SEEK_CUR) != 0) {
            return fail(error, error_size, "truncated file", file);
        }
    }
}
