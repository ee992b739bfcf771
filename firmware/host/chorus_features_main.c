/* chorus_features: the device's feature code on a WAV file, for tests and for anyone checking parity.
 *
 *   chorus_features [--log-mel] [--mean M] [--std S] [--scale Q] [--zero-point Z] IN.wav
 *   chorus_features --config
 *
 * Prints the model's int8 input for the first clip of IN.wav (16-bit PCM, mono, at the model's sample rate;
 * shorter files are zero-padded, as kws.features.fit_length does): one frame per line, channels separated by
 * spaces. --log-mel prints the float features (log-mel or MFCC, before normalization) instead. Normalization and
 * quantization default to the model_settings.h this was built against (make SETTINGS=...); the flags override
 * them. --config prints the configuration, one name=value per line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_settings.h"

#include "chorus_settings.h"
#include "wav.h"

static int usage(void) {
    fprintf(stderr, "usage: chorus_features [--log-mel] [--mean M] [--std S] [--scale Q] [--zero-point Z] IN.wav\n"
                    "       chorus_features --config\n");
    return 2;
}

static void print_config(const chorus_features_config *c) {
    printf("sample_rate=%d\nclip_samples=%d\nwindow_samples=%d\nhop_samples=%d\nn_fft=%d\nn_mels=%d\nn_mfcc=%d\n",
           (int)c->sample_rate, (int)c->clip_samples, (int)c->window_samples, (int)c->hop_samples, (int)c->n_fft,
           (int)c->n_mels, (int)c->n_mfcc);
    printf("mel_htk=%d\nmel_norm_slaney=%d\nfmin=%.9g\nfmax=%.9g\npower=%.9g\nlog_offset=%.9g\n", (int)c->mel_htk,
           (int)c->mel_norm_slaney, (double)c->fmin, (double)c->fmax, (double)c->power, (double)c->log_offset);
    printf("norm_mean=%.9g\nnorm_std=%.9g\ninput_scale=%.9g\ninput_zero_point=%d\n", (double)c->norm_mean,
           (double)c->norm_std, (double)c->input_scale, (int)c->input_zero_point);
    printf("frames=%d\nchannels=%d\nworkspace_floats=%u\nfeatures_hash=%s\n",
           CHORUS_FRAMES_OF(c->clip_samples, c->n_fft, c->hop_samples), CHORUS_CHANNELS_OF(c->n_mels, c->n_mfcc),
           (unsigned)chorus_features_workspace_floats(c), CHORUS_FEATURES_HASH);
}

int main(int argc, char **argv) {
    chorus_features_config config;
    chorus_settings_features(&config);
    int log_mel = 0;
    const char *path = NULL;
    for (int i = 1; i < argc; ++i) {
        const char *arg = argv[i];
        const int has_value = i + 1 < argc;
        if (strcmp(arg, "--log-mel") == 0) {
            log_mel = 1;
        } else if (strcmp(arg, "--config") == 0) {
            print_config(&config);
            return 0;
        } else if (strcmp(arg, "--mean") == 0 && has_value) {
            config.norm_mean = strtof(argv[++i], NULL);
        } else if (strcmp(arg, "--std") == 0 && has_value) {
            config.norm_std = strtof(argv[++i], NULL);
        } else if (strcmp(arg, "--scale") == 0 && has_value) {
            config.input_scale = strtof(argv[++i], NULL);
        } else if (strcmp(arg, "--zero-point") == 0 && has_value) {
            config.input_zero_point = (int32_t)strtol(argv[++i], NULL, 10);
        } else if (arg[0] == '-' || path != NULL) {
            return usage();
        } else {
            path = arg;
        }
    }
    if (path == NULL) {
        return usage();
    }

    chorus_wav wav;
    char error[128];
    if (chorus_wav_read(path, &wav, error, sizeof(error)) != 0) {
        fprintf(stderr, "chorus_features: %s: %s\n", path, error);
        return 1;
    }
    if (wav.sample_rate != config.sample_rate) {
        fprintf(stderr, "chorus_features: %s is %d Hz; the features need %d Hz\n", path, (int)wav.sample_rate,
                (int)config.sample_rate);
        free(wav.samples);
        return 1;
    }

    const size_t floats = chorus_features_workspace_floats(&config);
    float *workspace = (float *)malloc(floats * sizeof(float));
    int16_t *clip = (int16_t *)calloc((size_t)config.clip_samples, sizeof(int16_t));
    chorus_features features;
    if (workspace == NULL || clip == NULL) {
        fprintf(stderr, "chorus_features: out of memory\n");
        return 1;
    }
    if (chorus_features_init(&features, &config, workspace, floats) != CHORUS_OK) {
        fprintf(stderr, "chorus_features: the feature code does not support this configuration\n");
        return 1;
    }
    const size_t used = wav.count < (size_t)config.clip_samples ? wav.count : (size_t)config.clip_samples;
    memcpy(clip, wav.samples, used * sizeof(int16_t));

    if (log_mel) {
        float *row = (float *)malloc((size_t)features.channels * sizeof(float));
        for (int32_t t = 0; t < features.frames; ++t) {
            chorus_features_frame(&features, clip + t * config.hop_samples, row);
            for (int32_t c = 0; c < features.channels; ++c) {
                printf(c ? " %.9g" : "%.9g", (double)row[c]);
            }
            printf("\n");
        }
        free(row);
    } else {
        chorus_features_push(&features, clip, (size_t)config.clip_samples);
        const int8_t *matrix = chorus_features_matrix(&features);
        for (int32_t t = 0; t < features.frames; ++t) {
            for (int32_t c = 0; c < features.channels; ++c) {
                printf(c ? " %d" : "%d", (int)matrix[t * features.channels + c]);
            }
            printf("\n");
        }
    }
    free(clip);
    free(workspace);
    free(wav.samples);
    return 0;
}
