import type { Stage } from './scoring';

/** `lead.ingested`: a lead was stored by ingestion. */
export interface LeadIngestedData {
  leadId: string;
  source: string;
  receivedAt: string;
  email: string | null;
  emailValid: boolean;
  phone: string | null;
  phoneValid: boolean;
  country: string | null;
  offer: string | null;
  firstName: string | null;
  lastName: string | null;
}

/** `lead.attributed`: contacts tied a lead to a contact. */
export interface LeadAttributedData {
  leadId: string;
  contactId: string;
  isNewContact: boolean;
  source: string;
  offer: string | null;
  country: string | null;
  receivedAt: string;
  emailValid: boolean;
  phoneValid: boolean;
}

/** `contact.created` / `contact.updated`. */
export interface ContactChangedData {
  contactId: string;
  email: string | null;
  phone: string | null;
  firstName: string | null;
  lastName: string | null;
  country: string | null;
}

/** `contact.merged`: `mergedId` was folded into `survivorId` (the older contact). */
export interface ContactMergedData {
  survivorId: string;
  mergedId: string;
}

/** `score.changed`. */
export interface ScoreChangedData {
  contactId: string;
  score: number;
  previousScore: number;
  stage: Stage;
  /** The activity that caused the change; null for a recomputation after a merge. */
  activityId: string | null;
}

/** `stage.changed`: the dimensions are those of the activity that moved the contact. */
export interface StageChangedData {
  contactId: string;
  from: Stage | null;
  to: Stage;
  at: string;
  source: string;
  offer: string | null;
  country: string | null;
}
