import type { Outcome } from './station';

// Tones a clerk tells apart without looking: one high beep done, two middle ones again, a low buzz refused.
const TONES: Record<Outcome, { frequency: number; type: OscillatorType; beeps: number; seconds: number }> = {
  committed: { frequency: 1320, type: 'sine', beeps: 1, seconds: 0.09 },
  info: { frequency: 990, type: 'sine', beeps: 1, seconds: 0.05 },
  duplicate: { frequency: 660, type: 'square', beeps: 2, seconds: 0.07 },
  warning: { frequency: 520, type: 'triangle', beeps: 3, seconds: 0.08 },
  refused: { frequency: 180, type: 'sawtooth', beeps: 1, seconds: 0.35 },
};

let audio: AudioContext | undefined;

/** A short tone for an outcome, from an oscillator (no audio file); silent where Web Audio is missing. */
export function beep(outcome: Outcome): void {
  try {
    audio ??= new AudioContext();
    if (audio.state === 'suspended') void audio.resume();
    const tone = TONES[outcome];
    const start = audio.currentTime;
    for (let i = 0; i < tone.beeps; i++) {
      const at = start + i * tone.seconds * 1.6;
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.type = tone.type;
      oscillator.frequency.value = tone.frequency;
      gain.gain.setValueAtTime(0.18, at);
      gain.gain.exponentialRampToValueAtTime(0.001, at + tone.seconds);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(at);
      oscillator.stop(at + tone.seconds);
    }
  } catch {
    // No sound is no reason to fail a scan.
  }
}
