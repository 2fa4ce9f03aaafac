import type { SessionFlash } from '../../store/console-sessions';

/**
 * Server-rendered HTML for the console: a tagged template that escapes every interpolated value (only {@link Html}
 * values, made by `html` itself or {@link raw}, go in as they are), the page layout, and the pieces several pages
 * use (the CSRF field, a message, a confirmation, a table). Each page's own markup lives with its routes in `pages/`.
 */

/** Markup that is already safe to put into a page. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

type Interpolated = Html | string | number | boolean | null | undefined | readonly Interpolated[];

function render(value: Interpolated): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** `html\`<p>${text}</p>\``: every value is escaped unless it is {@link Html}; arrays are concatenated. */
export function html(strings: TemplateStringsArray, ...values: Interpolated[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** Markup from a trusted constant (never from input). */
export function raw(markup: string): Html {
  return new Html(markup);
}

/** A date and time as the console shows it: UTC, to the second, in a `<time>` element. */
export function time(value: Date | string | null | undefined, empty = '—'): Html {
  if (value === null || value === undefined) return html`${empty}`;
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) return html`${String(value)}`;
  const iso = date.toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 19).replace('T', ' ')} UTC</time>`;
}

export interface LayoutOptions {
  title: string;
  /** Which navigation entry is current. */
  section?: 'employees' | 'accounts' | 'integrations' | 'access-tokens';
  /** The signed-in session's CSRF token; absent on the sign-in and setup pages (no navigation then). */
  csrf?: string;
  flash?: SessionFlash | null;
  body: Html;
}

const navigation = [
  { section: 'employees', href: '/employees', label: 'Employees' },
  { section: 'accounts', href: '/accounts', label: 'Accounts' },
  { section: 'integrations', href: '/settings/integrations', label: 'Integrations' },
  { section: 'access-tokens', href: '/settings/access-tokens', label: 'Access tokens' },
] as const;

/** The hidden CSRF field every signed-in form carries (checked by `requireSession`). */
export const csrfField = (csrf: string) => html`<input type="hidden" name="_csrf" value="${csrf}" />`;

/** A page body with only a message (an error that needs no form). */
export function messagePage(message: string): Html {
  return html`<div class="card"><p role="alert">${message}</p></div>`;
}

/**
 * A table of records in the wrapper that scrolls it sideways on a narrow screen: a header cell per column, then the
 * rows. With `empty`, that sentence stands instead of a table without rows.
 */
export function dataTable(options: {
  id?: string;
  columns: readonly string[];
  rows: readonly Html[];
  empty?: string;
}): Html {
  if (options.empty !== undefined && options.rows.length === 0) return html`<p>${options.empty}</p>`;
  return html`<div class="table-wrap">
    <table${options.id === undefined ? '' : html` id="${options.id}"`}>
      <thead>
        <tr>
          ${options.columns.map((column) => html`<th scope="col">${column}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${options.rows}
      </tbody>
    </table>
  </div>`;
}

/** A page that asks before a destructive action: the action posts, Cancel goes back. */
export function confirmPage(options: {
  title: string;
  question: Html | string;
  action: string;
  confirmLabel: string;
  cancelHref: string;
  csrf: string;
}): Html {
  return html`<h1>${options.title}</h1>
    <form method="post" action="${options.action}" class="card">
      ${csrfField(options.csrf)}
      <p>${options.question}</p>
      <div class="actions">
        <button type="submit" class="danger">${options.confirmLabel}</button>
        <a class="button secondary" href="${options.cancelHref}">Cancel</a>
      </div>
    </form>`;
}

/** A whole page: skip link, header with navigation and sign-out (when signed in), the flash message, the body. */
export function layout(options: LayoutOptions): string {
  const nav =
    options.csrf === undefined
      ? html``
      : html`<nav aria-label="Main">
            <ul>
              ${navigation.map(
                (item) =>
                  html`<li>
                    <a href="${item.href}" ${options.section === item.section ? raw('aria-current="page"') : ''}
                      >${
                        item.section === 'integrations' || item.section === 'access-tokens'
                          ? html`<span class="crumb">Settings →</span> `
                          : ''
                      }${item.label}</a
                    >
                  </li>`,
              )}
            </ul>
          </nav>
          <form method="post" action="/sign-out" class="sign-out">
            ${csrfField(options.csrf)}
            <button type="submit" class="link">Sign out</button>
          </form>`;
  const flash =
    options.flash === null || options.flash === undefined
      ? html``
      : html`<div
          class="flash flash-${options.flash.kind}"
          role="${options.flash.kind === 'error' ? 'alert' : 'status'}"
        >
          ${options.flash.text}
        </div>`;
  return `<!doctype html>${
    html`<html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${options.title} · Joiner</title>
        <link rel="stylesheet" href="/console/assets/console.css" />
        <script src="/console/assets/console.js" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
          <a class="brand" href="/">Joiner</a>
          ${nav}
        </header>
        <main id="main" tabindex="-1">${flash}${options.body}</main>
      </body>
    </html>`.value
  }`;
}
