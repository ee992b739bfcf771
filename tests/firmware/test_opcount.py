"""kws.opcount: the per-frame estimate is far under the 20 ms stride at 64 MHz, and model MACs are counted from
the flatbuffer's shapes (checked by hand on the DS-CNN)."""
from dataclasses import replace

from kws import features, opcount


def test_one_frame_takes_a_small_share_of_its_stride():
    ops = opcount.frame_ops(features.DEFAULT_PARAMS)
    assert ops.fft_butterflies == 128 * 8  # 256-point complex FFT
    stride_ms = 1000 * features.DEFAULT_PARAMS.hop_samples / features.DEFAULT_PARAMS.sample_rate
    assert ops.ms_at(opcount.CLOCK_HZ) < stride_ms / 10
    assert opcount.frame_ops(replace(features.DEFAULT_PARAMS, n_mfcc=13)).dct == 2 * 40 * 13


def test_model_macs_come_from_the_layer_shapes(kws_model):
    ops = opcount.model_ops(kws_model.model_int8)
    positions, channels = 25 * 20, 24  # stride 2 over 49 x 40; kws.architectures.build_ds_cnn's width
    first = positions * channels * (10 * 4 * 1)  # 10x4 convolution of the one input channel
    pointwise = 4 * positions * channels * channels  # four blocks: 1x1 convolutions ...
    depthwise = 4 * positions * channels * 3 * 3  # ... after 3x3 depthwise ones
    dense = channels * len(kws_model.labels)  # after global average pooling
    assert ops.by_op == {"CONV_2D": first + pointwise, "DEPTHWISE_CONV_2D": depthwise, "FULLY_CONNECTED": dense}
    assert ops.macs == first + pointwise + depthwise + dense
    assert ops.inferences_per_s() >= 1000 / opcount.STRIDE_MS_NEEDED
