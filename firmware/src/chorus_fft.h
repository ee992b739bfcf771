/* Real FFT for the feature code: radix-2, iterative, in place, float32. Written for Chorus; C99 and libm only.
 *
 * A real input of n samples (n a power of two, 4..4096) is transformed as an n/2-point complex FFT of the
 * even/odd samples packed into one complex sequence, then split into the n/2+1 bins of the real spectrum.
 * The only table is a quarter wave of cos(2*pi*k/n), k = 0..n/4 (n/4+1 floats), filled once by
 * chorus_fft_init; every twiddle factor of both steps is read from it. */
#ifndef CHORUS_FFT_H_
#define CHORUS_FFT_H_

#ifdef __cplusplus
extern "C" {
#endif

#define CHORUS_FFT_MIN_SIZE 4
#define CHORUS_FFT_MAX_SIZE 4096

/* Floats the quarter-wave table of an n-point real FFT needs. */
#define CHORUS_FFT_TABLE_FLOATS(n) ((n) / 4 + 1)

/* 1 if n is a power of two the FFT supports, else 0. */
int chorus_fft_size_ok(int n);

/* Fill table[0 .. n/4] with cos(2*pi*k/n). Returns 0, or -1 if n is not supported. */
int chorus_fft_init(float *table, int n);

/* In-place real FFT of buf[0 .. n-1] (X[k] = sum x[t] exp(-2*pi*i*k*t/n)). Output, packed in the same n floats:
 * buf[0] = X[0] (real), buf[1] = X[n/2] (real), buf[2k], buf[2k+1] = Re, Im of X[k] for 0 < k < n/2. */
void chorus_rfft(float *buf, int n, const float *table);

#ifdef __cplusplus
}
#endif

#endif /* CHORUS_FFT_H_ */
