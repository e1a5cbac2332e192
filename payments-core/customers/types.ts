export interface Customer {
  readonly object: 'customer';
  readonly id: string;
  readonly school_id: string;
  readonly name: string;
  readonly email: string;
  readonly phone: string;
  readonly state_code: string;
  readonly created_at: Date;
}
