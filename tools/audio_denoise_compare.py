#!/usr/bin/env python3
"""SNR gain of noisereduce (3.x, defaults) on the signal used by dataprep-audio's denoise tests:
speech-like bursts (150 ms on / 450 ms off) in white noise at 5 dB SNR. Compare with
`cargo test -p dataprep-audio --test audio denoise -- --nocapture`. Run from the repository root."""
import numpy as np, soundfile as sf, noisereduce as nr
s,_=sf.read('crates/audio/tests/data/speechlike_16k.wav')
clean=np.zeros(48000)
i=np.arange(48000); m=(i%9600)<2400
clean[m]=s[i[m]%len(s)]
rng=np.random.default_rng(3); w=rng.random(64000)-0.5
snr=5; k=np.sqrt(np.mean(clean**2))/(np.sqrt(np.mean(w**2))*10**(snr/20))
x=clean+k*w[:48000]; clip=k*w[48000:]
def S(r,t): return 10*np.log10(np.sum(r**2)/np.sum((r-t)**2))
print("before",S(clean,x))
print("stationary",S(clean,nr.reduce_noise(y=x,sr=16000,y_noise=clip,stationary=True)))
print("nonstationary",S(clean,nr.reduce_noise(y=x,sr=16000)))
