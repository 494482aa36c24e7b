/** A generated catalogue for tests that need a big product table. */

/**
 * The SQL inserting products GEN-1 to GEN-`size`: varied names ("Ibuprofen Syrup 120 mg 1f0e3dad"),
 * manufacturers ("Teva Pharma"), five categories, every third on prescription.
 */
export function generatedCatalogue(size: number): string {
  return `
  insert into product (sku, name, description, price_minor, currency, category, manufacturer,
                       requires_prescription, is_active, created_at, updated_at)
  select 'GEN-' || i,
         (array['Amoxicillin', 'Ibuprofen', 'Paracetamol', 'Cetirizine', 'Loratadine', 'Omeprazole',
                'Metformin', 'Atorvastatin', 'Lisinopril', 'Amlodipine', 'Vitamin D3', 'Zinc', 'Magnesium',
                'Melatonin', 'Aspirin'])[1 + i % 15]
           || ' ' || (array['Tablets', 'Capsules', 'Syrup', 'Cream', 'Drops', 'Spray'])[1 + (i / 15) % 6]
           || ' ' || (10 * (1 + i % 50)) || ' mg ' || substr(md5(i::text), 1, 8),
         null,
         100 + i % 5000,
         'USD',
         (array['Pain Relief', 'Allergy', 'Vitamins', 'Digestive', 'Cardio'])[1 + i % 5],
         (array['Pfizer', 'Bayer', 'Sandoz', 'Teva', 'Novartis', 'Sanofi', 'Mylan', 'Cipla', 'Lupin',
                'Zydus'])[1 + i % 10] || ' ' || (array['Labs', 'Pharma', 'Healthcare', 'Inc'])[1 + i % 4],
         i % 3 = 0,
         true,
         now(),
         now()
  from generate_series(1, ${size}) as i`;
}
