import htm from 'htm';
import { h } from 'preact';

/** JSX-like templates without a compiler. */
export const html = htm.bind(h);
