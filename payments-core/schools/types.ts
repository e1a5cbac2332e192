export interface School {
  readonly object: 'school';
  readonly id: string;
  readonly name: string;
  readonly city: string;
  readonly state_code: string;
  readonly gstin: string | null;
  readonly created_at: Date;
}
