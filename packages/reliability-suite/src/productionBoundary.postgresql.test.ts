// 10,000 generated ids against the production boundary, and environment spoofing, on postgresql (see testing/productionBoundary.ts).
import { productionBoundarySuite } from './testing/productionBoundary';

productionBoundarySuite(__filename, 'postgresql');
