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
