/* Chorus feature code: see chorus_features.h. Each step mirrors kws/features.py; the comments name the Python
 * or librosa expression a step reproduces. */
#include "chorus_features.h"

#include <math.h>
#include <string.h>

#define CHORUS_PI 3.14159265358979323846f
#define CHORUS_LN10 2.30258509299404568402f
#define NO_BAND 255u
#define PCM_SCALE (1.0f / 32768.0f) /* int16 -> float audio in [-1, 1), as soundfile reads a WAV */

/* Slaney's mel scale (librosa.hz_to_mel, htk=False): linear below 1 kHz, logarithmic above. */
#define SLANEY_HZ_PER_MEL (200.0f / 3.0f)
#define SLANEY_MIN_LOG_HZ 1000.0f
#define SLANEY_MIN_LOG_MEL 15.0f    /* SLANEY_MIN_LOG_HZ / SLANEY_HZ_PER_MEL */
#define SLANEY_LOGSTEP 0.068751777f /* ln(6.4) / 27 */

static float hz_to_mel(float hz, int htk) {
    if (htk) {
        return (2595.0f / CHORUS_LN10) * logf(1.0f + hz / 700.0f); /* 2595 log10(1 + hz / 700) */
    }
    if (hz >= SLANEY_MIN_LOG_HZ) {
        return SLANEY_MIN_LOG_MEL + logf(hz / SLANEY_MIN_LOG_HZ) / SLANEY_LOGSTEP;
    }
    return hz / SLANEY_HZ_PER_MEL;
}

static float mel_to_hz(float mel, int htk) {
    if (htk) {
        return 700.0f * (expf(mel * (CHORUS_LN10 / 2595.0f)) - 1.0f); /* 700 (10^(mel / 2595) - 1) */
    }
    if (mel >= SLANEY_MIN_LOG_MEL) {
        return SLANEY_MIN_LOG_HZ * expf(SLANEY_LOGSTEP * (mel - SLANEY_MIN_LOG_MEL));
    }
    return SLANEY_HZ_PER_MEL * mel;
}

static int config_ok(const chorus_features_config *c) {
    return c->sample_rate > 0 && chorus_fft_size_ok(c->n_fft) && c->window_samples > 0 &&
           c->window_samples <= c->n_fft && c->hop_samples > 0 && c->hop_samples <= c->n_fft &&
           c->clip_samples >= c->n_fft && c->n_mels > 0 && c->n_mels <= CHORUS_MAX_MELS && c->n_mfcc >= 0 &&
           c->n_mfcc <= c->n_mels && c->fmin >= 0.0f && c->fmax > c->fmin && c->power > 0.0f && c->log_offset > 0.0f &&
           c->norm_std > 0.0f && c->input_scale > 0.0f && c->input_zero_point >= -128 && c->input_zero_point <= 127;
}

size_t chorus_features_workspace_floats(const chorus_features_config *c) {
    const int32_t frames = CHORUS_FRAMES_OF(c->clip_samples, c->n_fft, c->hop_samples);
    return (size_t)CHORUS_FEATURES_WORKSPACE_FLOATS(c->n_fft, c->window_samples, c->n_mels, c->n_mfcc, frames);
}

/* Frequency, Hz, of mel point j of 0 .. n_mels + 1: evenly spaced in mel from fmin to fmax as numpy.linspace spaces
 * them (librosa.mel_frequencies), the last one exactly fmax. */
static float mel_point(const chorus_features_config *c, int j) {
    const int htk = c->mel_htk != 0;
    const int last = c->n_mels + 1;
    const float low = hz_to_mel(c->fmin, htk);
    const float high = hz_to_mel(c->fmax, htk);
    const float mel = j >= last ? high : low + (high - low) / (float)last * (float)j;
    return mel_to_hz(mel, htk);
}

/* librosa.filters.mel: band j is a triangle over the mel points p[j] .. p[j+2], peak 1 at p[j+1], times
 * 2 / (p[j+2] - p[j]) with Slaney normalization. A bin at f in [p[j], p[j+1]) lies on the rising edge of band j,
 * weight t = (f - p[j]) / (p[j+1] - p[j]), and on the falling edge of band j - 1, weight 1 - t; on no other band. */
static void init_mel_bank(chorus_features *f) {
    const chorus_features_config *c = &f->config;
    const int bins = c->n_fft / 2 + 1;
    const float hz_per_bin = (float)c->sample_rate / (float)c->n_fft; /* librosa.fft_frequencies */

    f->first_bin = bins;
    f->last_bin = -1;
    int segment = 0; /* the bins walk up through [p[segment], p[segment + 1]) */
    float lower = mel_point(c, 0);
    float upper = mel_point(c, 1);
    for (int k = 0; k < bins; ++k) {
        const float hz = (float)k * hz_per_bin;
        while (segment <= c->n_mels && hz >= upper) {
            ++segment;
            lower = upper;
            upper = mel_point(c, segment + 1);
        }
        if (hz < lower || segment > c->n_mels) {
            f->mel_band[k] = NO_BAND;
            f->mel_weight[k] = 0.0f;
            continue;
        }
        f->mel_band[k] = (uint8_t)segment;
        f->mel_weight[k] = (hz - lower) / (upper - lower);
        if (f->first_bin == bins) {
            f->first_bin = k;
        }
        f->last_bin = k;
    }
    for (int j = 0; j < c->n_mels; ++j) {
        f->mel_norm[j] = c->mel_norm_slaney ? 2.0f / (mel_point(c, j + 2) - mel_point(c, j)) : 1.0f;
    }
}

/* kws.features._dct_matrix: orthonormal DCT-II, dct[m][k] = cos(pi k (2m+1) / (2 n_mels)) sqrt(2 / n_mels), with
 * column 0 divided by sqrt(2). The angle index is reduced modulo the period first, for an exact float argument. */
static void init_dct(chorus_features *f) {
    const int n = f->config.n_mels;
    const int n_mfcc = f->config.n_mfcc;
    const float scale = sqrtf(2.0f / (float)n);
    for (int m = 0; m < n; ++m) {
        for (int k = 0; k < n_mfcc; ++k) {
            const int index = (k * (2 * m + 1)) % (4 * n);
            float value = cosf(CHORUS_PI * (float)index / (float)(2 * n)) * scale;
            if (k == 0) {
                value /= sqrtf(2.0f);
            }
            f->dct[m * n_mfcc + k] = value;
        }
    }
}

int chorus_features_init(chorus_features *f, const chorus_features_config *config, float *workspace,
                         size_t workspace_floats) {
    if (!config_ok(config)) {
        return CHORUS_ERR_CONFIG;
    }
    if (workspace == NULL || workspace_floats < chorus_features_workspace_floats(config)) {
        return CHORUS_ERR_WORKSPACE;
    }
    memset(f, 0, sizeof(*f));
    f->config = *config;
    const chorus_features_config *c = &f->config;
    const int bins = c->n_fft / 2 + 1;
    f->frames = CHORUS_FRAMES_OF(c->clip_samples, c->n_fft, c->hop_samples);
    f->channels = CHORUS_CHANNELS_OF(c->n_mels, c->n_mfcc);

    float *next = workspace;
    f->fft_table = next;
    next += CHORUS_FFT_TABLE_FLOATS(c->n_fft);
    f->window = next;
    next += c->window_samples / 2 + 1;
    f->mel_weight = next;
    next += bins;
    f->mel_band = (uint8_t *)next;
    next += (bins + 3) / 4;
    f->mel_norm = next;
    next += c->n_mels;
    f->dct = c->n_mfcc > 0 ? next : NULL;
    next += c->n_mels * c->n_mfcc;
    f->fft = next;
    next += c->n_fft;
    f->log_mel = next;
    next += c->n_mels;
    f->out = next;
    next += f->channels;
    f->pending = (int16_t *)next;
    next += (c->n_fft + 1) / 2;
    f->matrix = (int8_t *)next;

    chorus_fft_init(f->fft_table, c->n_fft);
    /* periodic Hann, scipy.signal.get_window("hann", N, fftbins=True): 0.5 - 0.5 cos(2 pi i / N), symmetric
     * about N/2; the int16 -> float scaling is folded in (exact: a power of two) */
    const float step = 2.0f * CHORUS_PI / (float)c->window_samples;
    for (int i = 0; i <= c->window_samples / 2; ++i) {
        f->window[i] = (0.5f - 0.5f * cosf(step * (float)i)) * PCM_SCALE;
    }
    init_mel_bank(f);
    if (f->dct != NULL) {
        init_dct(f);
    }
    chorus_features_reset(f);
    return CHORUS_OK;
}

void chorus_features_reset(chorus_features *f) {
    f->pending_count = 0;
    f->frames_total = 0;
    f->samples_total = 0;
    memset(f->matrix, 0, (size_t)(f->frames * f->channels));
}

void chorus_features_frame(chorus_features *f, const int16_t *samples, float *out) {
    const chorus_features_config *c = &f->config;
    const int n = c->n_fft;
    const int width = c->window_samples;
    const int offset = (n - width) / 2; /* the window is centred in the FFT frame, as librosa pads it */
    float *buf = f->fft;

    for (int i = 0; i < offset; ++i) {
        buf[i] = 0.0f;
    }
    for (int i = 0; i < width; ++i) {
        const float w = f->window[i <= width / 2 ? i : width - i];
        buf[offset + i] = (float)samples[offset + i] * w;
    }
    for (int i = offset + width; i < n; ++i) {
        buf[i] = 0.0f;
    }
    chorus_rfft(buf, n, f->fft_table);

    /* |X|^power through the filter bank: each bin feeds at most two adjacent bands */
    for (int j = 0; j < c->n_mels; ++j) {
        f->log_mel[j] = 0.0f;
    }
    const int nyquist = n / 2;
    const int general_power = c->power != 2.0f;
    for (int k = f->first_bin; k <= f->last_bin; ++k) {
        const unsigned band = f->mel_band[k];
        if (band == NO_BAND) {
            continue;
        }
        float p;
        if (k == 0) {
            p = buf[0] * buf[0];
        } else if (k == nyquist) {
            p = buf[1] * buf[1];
        } else {
            p = buf[2 * k] * buf[2 * k] + buf[2 * k + 1] * buf[2 * k + 1];
        }
        if (general_power) { /* magnitude ** (power / 2) */
            p = (c->power == 1.0f) ? sqrtf(p) : (p > 0.0f ? expf(logf(p) * (0.5f * c->power)) : 0.0f);
        }
        const float t = f->mel_weight[k];
        if (band < (unsigned)c->n_mels) {
            f->log_mel[band] += t * p;
        }
        if (band > 0) {
            f->log_mel[band - 1] += (1.0f - t) * p;
        }
    }
    /* numpy.log(mel + log_offset) */
    for (int j = 0; j < c->n_mels; ++j) {
        f->log_mel[j] = logf(f->log_mel[j] * f->mel_norm[j] + c->log_offset);
    }
    if (f->dct == NULL) {
        memcpy(out, f->log_mel, sizeof(float) * (size_t)c->n_mels);
        return;
    }
    for (int k = 0; k < c->n_mfcc; ++k) {
        float sum = 0.0f;
        for (int m = 0; m < c->n_mels; ++m) {
            sum += f->log_mel[m] * f->dct[m * c->n_mfcc + k];
        }
        out[k] = sum;
    }
}

int32_t chorus_round_half_even(float x) {
    const float floor_x = floorf(x);
    const float fraction = x - floor_x; /* exact for |x| < 2^23 */
    int32_t r = (int32_t)floor_x;
    if (fraction > 0.5f || (fraction == 0.5f && (r & 1) != 0)) {
        r += 1;
    }
    return r;
}

int8_t chorus_features_quantize(const chorus_features_config *c, float feature) {
    /* kws.train.featurize_normalized then kws.quantize.Quantization.quantize, in float32 as numpy does them */
    const float normalized = (feature - c->norm_mean) / c->norm_std;
    float scaled = normalized / c->input_scale;
    if (scaled > 1000.0f) { /* anything this far out clamps; keeps the integer conversion in range */
        scaled = 1000.0f;
    } else if (scaled < -1000.0f || scaled != scaled) {
        scaled = -1000.0f;
    }
    int32_t q = chorus_round_half_even(scaled) + c->input_zero_point;
    if (q > 127) {
        q = 127;
    } else if (q < -128) {
        q = -128;
    }
    return (int8_t)q;
}

static void emit_frame(chorus_features *f) {
    const int32_t channels = f->channels;
    const size_t row = (size_t)channels;
    chorus_features_frame(f, f->pending, f->out);
    memmove(f->matrix, f->matrix + row, row * (size_t)(f->frames - 1));
    int8_t *last = f->matrix + row * (size_t)(f->frames - 1);
    for (int32_t i = 0; i < channels; ++i) {
        last[i] = chorus_features_quantize(&f->config, f->out[i]);
    }
    f->frames_total += 1;
}

int32_t chorus_features_push(chorus_features *f, const int16_t *samples, size_t count) {
    const int32_t n = f->config.n_fft;
    const int32_t hop = f->config.hop_samples;
    int32_t new_frames = 0;
    while (count > 0) {
        size_t take = (size_t)(n - f->pending_count);
        if (take > count) {
            take = count;
        }
        memcpy(f->pending + f->pending_count, samples, take * sizeof(int16_t));
        f->pending_count += (int32_t)take;
        f->samples_total += (uint32_t)take;
        samples += take;
        count -= take;
        if (f->pending_count == n) {
            emit_frame(f);
            ++new_frames;
            memmove(f->pending, f->pending + hop, sizeof(int16_t) * (size_t)(n - hop));
            f->pending_count = n - hop;
        }
    }
    return new_frames;
}

int chorus_features_ready(const chorus_features *f) {
    return f->frames_total >= (uint32_t)f->frames;
}

const int8_t *chorus_features_matrix(const chorus_features *f) {
    return f->matrix;
}

int32_t chorus_features_window_end_ms(const chorus_features *f) {
    if (!chorus_features_ready(f)) {
        return -1;
    }
    const uint32_t rate = (uint32_t)f->config.sample_rate;
    const uint32_t end = (f->frames_total - (uint32_t)f->frames) * (uint32_t)f->config.hop_samples +
                         (uint32_t)f->config.clip_samples;
    return (int32_t)((end / rate) * 1000u + (end % rate) * 1000u / rate);
}
