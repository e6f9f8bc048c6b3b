/** A small element factory: attributes (or event handlers for `on*`) and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | ((event: Event) => void)> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (typeof value === 'boolean') {
      if (value) node.setAttribute(key, '');
    } else node.setAttribute(key, String(value));
  }
  node.append(...children);
  return node;
}

/** A labelled control. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLLabelElement {
  return el(
    'label',
    { class: 'field' },
    el('span', {}, label),
    control,
    ...(hint ? [el('small', {}, hint)] : []),
  );
}

export function numberInput(value: number, min: number, max: number, step = 1): HTMLInputElement {
  return el('input', { type: 'number', value, min, max, step });
}

export function select(options: readonly string[], value: string): HTMLSelectElement {
  const node = el('select', {}, ...options.map((o) => el('option', { value: o }, o)));
  node.value = value;
  return node;
}

/** A number input's value, checked against its bounds (the browser lets anything be typed). */
export function readNumber(input: HTMLInputElement, name: string): number {
  const value = Number(input.value);
  const min = Number(input.min);
  const max = Number(input.max);
  if (input.value === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(`${name} must be a number in [${min}, ${max}], got '${input.value}'`);
  }
  return value;
}

/** Lets the browser paint (and take clicks) between steps of long work. */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Offers bytes as a file download. */
export function download(bytes: Uint8Array, name: string, type = 'application/octet-stream'): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
