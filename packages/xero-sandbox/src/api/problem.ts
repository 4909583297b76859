import { newUuid } from '../util/ids.js';

/** The problem-details body Xero's API gateway answers 401, 403 and 429 with. */
export interface XeroProblem {
  Type: null;
  Title: string;
  Status: number;
  Detail: string;
  Instance: string;
  Extensions: Record<string, never>;
}

export const xeroProblem = (status: number, title: string, detail: string): XeroProblem => ({
  Type: null,
  Title: title,
  Status: status,
  Detail: detail,
  Instance: newUuid(),
  Extensions: {},
});
