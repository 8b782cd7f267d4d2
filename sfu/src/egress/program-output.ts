import type { ProgramSwitcher } from '../program/switcher';
import type { Cut } from '../program/track';

/** What is told to the program's output (the broadcast) as the program changes. */
export interface ProgramOutput {
  /** A venue's first frame entered the program at `at`; `name` as the conference calls it then. */
  onAir(venueId: string, name: string | undefined, at: number): void;
  /** The sign-language picture shows a venue from `at`, or (none) no longer shows. */
  signLanguage(venueId: string | undefined, name: string | undefined, at: number): void;
}

/**
 * Tells an output where the program stands now, then each video cut and each change of the
 * sign-language picture, until the returned function is called. The room does this for its
 * broadcast; a test that drives a switcher by hand does it too.
 */
export function followProgram(program: ProgramSwitcher, output: ProgramOutput, nameOf: (venueId: string) => string | undefined = () => undefined): () => void {
  const onCut = (cut: Cut) => {
    if (cut.kind === 'video') output.onAir(cut.venueId, nameOf(cut.venueId), cut.cutAt);
  };
  const onSign = (showing: boolean) => {
    const venueId = showing ? program.signVenueId : undefined;
    output.signLanguage(venueId, venueId === undefined ? undefined : nameOf(venueId), Date.now());
  };
  if (program.videoOnAir) output.onAir(program.videoOnAir, nameOf(program.videoOnAir), Date.now());
  onSign(program.signShowing);
  program.on('cut', onCut);
  program.on('sign', onSign);
  return () => {
    program.off('cut', onCut);
    program.off('sign', onSign);
  };
}
