/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** A Stripe publishable key (pk_test_… or pk_live_…): the payment form uses Stripe Elements. Unset: the test-card form. */
  readonly VITE_STRIPE_PUBLISHABLE_KEY?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
