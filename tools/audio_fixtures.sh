#!/bin/sh
# Regenerates the small encoded fixtures of crates/audio/tests/data from speechlike_16k.wav
# (made by tools/audio_goldens.py). Needs the ffmpeg CLI. Stereo 0.5 s at 22.05/44.1 kHz.
set -eu
D="$(dirname "$0")/../crates/audio/tests/data"
IN="$D/speechlike_16k.wav"
F="-hide_banner -loglevel error -y -t 0.5"
# stereo: left = signal, right = signal at half gain
FILTER="[0:a]asplit[a][b];[b]volume=0.5[c];[a][c]join=inputs=2:channel_layout=stereo"
ffmpeg $F -i "$IN" -c:a flac "$D/fixture_16k_mono.flac"
ffmpeg $F -i "$IN" -filter_complex "$FILTER" -ar 44100 -c:a flac "$D/fixture_44k_stereo.flac"
ffmpeg $F -i "$IN" -filter_complex "$FILTER" -ar 44100 -c:a libmp3lame -b:a 64k "$D/fixture_44k_stereo.mp3"
ffmpeg $F -i "$IN" -filter_complex "$FILTER" -ar 22050 -c:a libvorbis -q:a 2 "$D/fixture_22k_stereo.ogg"
ffmpeg $F -i "$IN" -ar 16000 -ac 1 -c:a aac -b:a 48k "$D/fixture_16k_mono.m4a"
# FFmpeg-decoded fixtures (dataprep-audio's `ffmpeg` feature), goldens by tools/audio_ffmpeg_goldens.py.
# Opus from a 48 kHz input, so the OpusHead input rate is 48 kHz and soundfile decodes at 48 kHz too.
ffmpeg -hide_banner -loglevel error -y -i "$IN" -filter_complex "$FILTER" -ar 48000 -c:a libopus -b:a 48k "$D/fixture_48k_stereo.opus"
ffmpeg -hide_banner -loglevel error -y -i "$IN" -ar 48000 -c:a libopus -b:a 24k "$D/fixture_48k_mono.webm"
ffmpeg $F -i "$IN" -filter_complex "$FILTER" -ar 22050 -c:a wmav2 -b:a 48k "$D/fixture_22k_stereo.wma"
ffmpeg $F -i "$IN" -filter_complex "$FILTER" -ar 22050 -c:a aac -b:a 48k -f adts "$D/fixture_22k_stereo.aac"
ffmpeg -hide_banner -loglevel error -y -i "$IN" -c:a adpcm_ms "$D/fixture_16k_mono_msadpcm.wav"
ffmpeg $F -i "$IN" -filter_complex "$FILTER" -ar 22050 -c:a adpcm_ms "$D/fixture_22k_stereo_msadpcm.wav"
# Optional, needs an FFmpeg with libopencore-amrnb (Debian's cannot encode AMR). The committed
# fixture was made with the static FFmpeg 9.0.2 of the PyPI wheel imageio-ffmpeg 0.8.1
# (imageio_ffmpeg/binaries/ffmpeg-linux-x86_64-v9.0.2); point AMR_FFMPEG at such a binary.
# Nothing is downloaded here. Re-run tools/audio_ffmpeg_goldens.py afterwards.
if [ -n "${AMR_FFMPEG:-}" ]; then
    "$AMR_FFMPEG" -hide_banner -loglevel error -y -stream_loop 1 -i "$IN" -t 2 -ar 8000 -ac 1 \
        -c:a libopencore_amrnb -b:a 12.2k -fflags +bitexact "$D/fixture_8k_mono.amr"
fi
